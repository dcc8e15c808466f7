"""The audit log's HTTP API: listing and verifying events, checkpoints, proofs and entries."""
