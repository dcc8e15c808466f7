"""The record-change handlers, wired explicitly by the composition roots (`create_app`, the
`vetting` command, scripts that write): whatever a unit of work records, these see before it
commits (app.uow)."""

from app.consultations.staleness import mark_stale
from app.uow import install_handlers
from app.webhooks.handlers import cases_recorded, eligibility_changed

HANDLERS = (mark_stale, cases_recorded, eligibility_changed)


def install() -> None:
    """Register every handler (once; calling again changes nothing)."""
    install_handlers(HANDLERS)
