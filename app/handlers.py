"""Importing this module registers every handler of record changes (see app/uow.py)."""

import app.consultations.staleness  # noqa: F401
