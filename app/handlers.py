"""Importing this module registers every handler of record changes (see app/uow.py)."""

import app.consultations.staleness
import app.webhooks.handlers  # noqa: F401
