"""The documented sample files (docs/samples/) import cleanly into the demo data, and each again
in Windows line endings creates nothing new."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app import demo
from app.imports.natural_keys import KEYS
from app.uow import unit_of_work
from tests.factories import Api
from tests.imports.helpers import count, crlf, upload

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
KIND_OF_SAMPLE = {
    "assessments-zh.csv": "assessments",
    "assessments.csv": "assessments",
    "unit-assessments-zh.csv": "assessments",
    "accountability-cases-zh.csv": "accountability-cases",
    "commendations.csv": "commendations",
    "commendations-zh.csv": "commendations",
}


def test_every_sample_file_is_covered() -> None:
    assert {p.name for p in SAMPLES.glob("*.csv")} == set(KIND_OF_SAMPLE)


@pytest.fixture
async def demo_data(app: FastAPI, api: Api) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        await demo.load(session, app.state.cipher)


async def test_the_samples_import_into_the_demo_and_their_crlf_variants_add_nothing(
    api: Api, engine: AsyncEngine, demo_data: None
) -> None:
    for name, kind in KIND_OF_SAMPLE.items():
        content = (SAMPLES / name).read_bytes()
        lines = len(content.decode("utf-8-sig").splitlines()) - 1
        model = KEYS[kind].model
        before = await count(engine, model)
        first = await upload(api, kind, content, filename=name)
        assert first["status"] == "applied", name
        assert first["rows"] == lines and first["skipped"] == 0, name
        assert await count(engine, model) == before + lines, name
        again = await upload(api, kind, crlf(content), status=200, filename=name)
        assert again["status"] == "already_imported" and again["already_imported"], name
        assert again["import_id"] == first["import_id"], name
        assert again["skipped"] == lines and again["sha256"] != first["sha256"], name
        assert await count(engine, model) == before + lines, name
