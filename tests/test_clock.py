"""One clock: "now" and "today" come from `app.clock`, in the configured zone (Asia/Shanghai),
whatever the machine's own zone and hour."""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.domain.idnumber import check_character
from tests.consultations.world import build_world, issue, request
from tests.factories import Api

APP = Path(__file__).resolve().parent.parent / "app"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Calls that answer in the machine's zone (or a second clock beside the service's own).
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("time", "time")}


def _clock_calls(path: Path, root: Path = APP.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in FORBIDDEN
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_module_of_the_service_reads_another_clock() -> None:
    offenders = [
        hit
        for path in sorted(APP.rglob("*.py"))
        if path.name != "clock.py"
        for hit in _clock_calls(path)
    ]
    assert offenders == []


def test_the_scan_finds_a_forbidden_call(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from datetime import date, datetime\n\nx = date.today()\ny = datetime.now()\n"
    )
    assert _clock_calls(sample, tmp_path) == ["sample.py:3", "sample.py:4"]


@pytest.fixture
def machine_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Set the process's own zone (TZ) for one test, as a far-off machine would have it."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.parametrize(
    "machine_zone", ["Pacific/Pago_Pago", "Pacific/Kiritimati", "UTC"], indirect=True
)
@pytest.mark.parametrize(
    ("instant", "shanghai_day"),
    [
        (datetime(2026, 12, 1, 15, 59, tzinfo=UTC), date(2026, 12, 1)),
        (datetime(2026, 12, 1, 16, 0, tzinfo=UTC), date(2026, 12, 2)),
        (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 3, 1, 10, 30, tzinfo=UTC), date(2027, 3, 1)),
    ],
)
def test_today_is_the_configured_zones_date_whatever_the_machine_zone(
    machine_zone: str, instant: datetime, shanghai_day: date
) -> None:
    with clock.frozen(instant):
        assert clock.today() == shanghai_day
        assert clock.now() == instant and clock.now().tzinfo is not None


def test_a_naive_datetime_has_no_local_date() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.local_date(datetime(2026, 12, 1, 12))  # noqa: DTZ001 - naive on purpose


def test_the_clock_runs_again_after_a_freeze() -> None:
    with clock.frozen(datetime(2000, 1, 1, tzinfo=UTC)):
        assert clock.today() == date(2000, 1, 1)
    assert clock.now().year >= 2026


def _next_shanghai_half_past_midnight() -> datetime:
    """The next 00:30 in Shanghai: 16:30 UTC of the day before, when the two dates differ. In
    the future, so every record the test writes is already known then."""
    local = clock.now().astimezone(SHANGHAI)
    tomorrow = local.date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 30, tzinfo=SHANGHAI)


async def test_an_opinion_is_dated_and_valid_by_the_shanghai_day(api: Api) -> None:
    world = await build_world(api)
    consultation = await request(api, world)
    at = _next_shanghai_half_past_midnight()
    shanghai_day, utc_day = at.date(), at.astimezone(UTC).date()
    assert shanghai_day != utc_day
    with clock.frozen(at):
        issued = await issue(api, world, consultation, validity_days=30)
    opinion = issued["opinion"]
    assert datetime.fromisoformat(opinion["issued_at"]) == at
    assert opinion["valid_until"] == (shanghai_day + timedelta(days=30)).isoformat()


async def test_an_id_number_born_today_in_shanghai_is_accepted(api: Api) -> None:
    at = _next_shanghai_half_past_midnight()
    born = at.date()
    first17 = f"510502{born:%Y%m%d}001"
    with clock.frozen(at):
        created = await api.post(
            "/v1/cadres", {"id_number": first17 + check_character(first17), "name": "王新"}
        )
    assert created["id"]
