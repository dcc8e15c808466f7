"""The record-change handlers, wired explicitly by the composition roots (`create_app`, the
`vetting` command, scripts that write): whatever a unit of work records, these see before it
commits (app.uow)."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.consultations.staleness import mark_stale
from app.records import duty_catalogue
from app.uow import install_handlers
from app.vetting import rulebooks
from app.vetting.duty_lists import RulebookDuties
from app.webhooks.handlers import cases_recorded, eligibility_changed

HANDLERS = (mark_stale, cases_recorded, eligibility_changed)


def install() -> None:
    """Register every handler (once; calling again changes nothing)."""
    install_handlers(HANDLERS)


def bind_rules(maker: async_sessionmaker[AsyncSession], books: rulebooks.Rulebooks) -> None:
    """Let every session of `maker` carry the rulebooks it applies and, over them, the duty
    lists that records naming duties are checked against (app.records.duty_catalogue)."""
    rulebooks.bind(maker, books)
    duty_catalogue.bind(maker, RulebookDuties(books))  # sessions made otherwise: duty_lists.carry
