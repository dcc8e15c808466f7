"""Pure domain vocabulary shared by the record, the rules engine and the API (no I/O imports)."""
