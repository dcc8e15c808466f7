"""Cadre Safety Vetting Service."""

__version__ = "0.1.0"
