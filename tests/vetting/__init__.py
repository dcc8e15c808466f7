"""Tests of the vetting feature."""
