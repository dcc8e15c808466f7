"""The collector pause used by big batches: shared by nested and concurrent holders, always
ended, and never turning on a collector somebody else had turned off."""

import asyncio
import gc

import pytest

from app.memory import collector_paused


@pytest.fixture(autouse=True)
def _collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_the_collector_rests_inside_and_resumes_after():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_ends_the_pause():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


async def test_concurrent_requests_share_one_pause():
    first_done = asyncio.Event()
    seen: list[bool] = []

    async def short() -> None:
        with collector_paused():
            await asyncio.sleep(0)
        first_done.set()

    async def long() -> None:
        with collector_paused():
            await first_done.wait()
            seen.append(gc.isenabled())  # the other request ended; this one still runs

    await asyncio.gather(long(), short())
    assert seen == [False]
    assert gc.isenabled()
