"""The service's one clock: "now" (an aware UTC instant) and "today" (the date in the configured
zone, `VETTING_TIMEZONE`, Asia/Shanghai by default).

Every piece of code that needs the current time or date asks here — never `date.today()` or
`datetime.now()`, which answer in the machine's own zone (a lint rule and a test hold this).
The zone is the configured one; the composition root sets it from the settings the app was
built with (`configure`). Tests read "today" from here too, and may stop the clock at an instant
(`frozen`) to show behaviour around midnight in Shanghai without depending on the hour they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.config import get_settings


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now
_zone_name: str | None = None


@lru_cache(maxsize=8)
def _zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def configure(timezone: str) -> None:
    """Set the zone "today" is counted in (the composition root calls this with its settings)."""
    global _zone_name
    _zone_info(timezone)  # an unknown zone fails here, at start-up, not on the first request
    _zone_name = timezone


def zone() -> ZoneInfo:
    """The configured zone of the records."""
    return _zone_info(_zone_name or get_settings().timezone)


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _source()


def today() -> date:
    """Today's date in the configured zone."""
    return local_date(now())


def local_date(instant: datetime) -> date:
    """The date an instant falls on in the configured zone."""
    if instant.tzinfo is None:
        raise ValueError("a naive datetime has no date in the configured zone")
    return instant.astimezone(zone()).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Stop the clock at `at` (timezone-aware) for the duration of the block (tests only)."""
    global _source
    if at.tzinfo is None:
        raise ValueError("freeze the clock at an aware datetime")
    previous, fixed = _source, at.astimezone(UTC)
    _source = lambda: fixed  # noqa: E731
    try:
        yield
    finally:
        _source = previous
