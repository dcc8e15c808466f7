"""The committed OpenAPI document is complete enough for integrators: a client generated from
it by openapi-python-client drives a live server on loopback through the main journey."""

import importlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pypdf
import pytest

from app import clock
from app.cli import OPENAPI_PATH
from app.config import Settings
from tests import serving
from tests.factories import id_number

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("client")
    tool = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            str(OPENAPI_PATH),
            "--config",
            str(OPENAPI_PATH.parent / "client-config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(out / "vetting_client"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Unsupported" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("vetting_client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.startswith("vetting_client")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture
def live_server(settings: Settings, clean_db: None) -> Iterator[str]:
    with serving.served(settings, serving.uvicorn_command, "/readyz") as base:
        yield base


def test_a_generated_client_runs_the_whole_journey(
    generated: Any, live_server: str, admin_key: str
) -> None:
    from vetting_client import AuthenticatedClient
    from vetting_client.api.accountability_cases import create_accountability_case
    from vetting_client.api.cadres import create_cadre
    from vetting_client.api.consultations import issue_opinion, request_consultation
    from vetting_client.api.org_units import create_org_unit
    from vetting_client.api.posts import create_post
    from vetting_client.api.vetting import vetting_check
    from vetting_client.models import CadreCreate as NewCadre
    from vetting_client.models import (
        CaseCreate,
        CheckRequest,
        ConsultationRequest,
        IssueRequest,
        OrgUnitCreate,
        PostCreate,
    )

    client = AuthenticatedClient(base_url=live_server, token=admin_key)
    city = create_org_unit.sync(
        client=client,
        body=OrgUnitCreate.from_dict(
            {"name": "泸州市人民政府", "kind": "government", "level": "city"}
        ),
    )
    emergency = create_org_unit.sync(
        client=client,
        body=OrgUnitCreate.from_dict(
            {
                "name": "泸州市应急管理局",
                "kind": "government_department",
                "level": "city",
                "parent_id": str(city.id),
                "document_prefix": "泸应急意",
            }
        ),
    )
    soe = create_org_unit.sync(
        client=client,
        body=OrgUnitCreate.from_dict(
            {
                "name": "泸州老窖集团有限责任公司",
                "kind": "state_owned_enterprise",
                "level": "city",
                "parent_id": str(city.id),
                "is_key_soe": True,
                "industry": "liquor_and_food",
            }
        ),
    )
    number = id_number()
    cadre = create_cadre.sync(
        client=client, body=NewCadre.from_dict({"id_number": number, "name": "孙志强"})
    )
    assert cadre.name == "孙志强" and cadre.id_number.count("*") == 0  # admin reads PII
    create_post.sync(
        client=client,
        body=PostCreate.from_dict(
            {
                "cadre_id": str(cadre.id),
                "org_unit_id": str(soe.id),
                "title": "总经理",
                "position": "deputy",
                "safety_role": "safety_lead",
                "start_date": "2019-01-01",
            }
        ),
    )
    opened, decided = clock.today() - timedelta(days=30), clock.today() - timedelta(days=20)
    case = create_accountability_case.sync(
        client=client,
        body=CaseCreate.from_dict(
            {
                "cadre_id": str(cadre.id),
                "circumstance": "duties_not_performed",
                "status": "decided",
                "opened_on": opened.isoformat(),
                "decision_date": decided.isoformat(),
                "authority": "泸州市纪委监委",
                "methods": ["admonishment"],
            }
        ),
    )
    assert case.methods[0].value == "admonishment"
    decision = vetting_check.sync(
        client=client,
        body=CheckRequest.from_dict({"cadre_id": str(cadre.id), "purpose": "promotion"}),
    )
    assert decision.outcome.value == "ineligible"
    assert any(f.rule_id == "veto.one_vote" for f in decision.findings)
    consultation = request_consultation.sync(
        client=client,
        body=ConsultationRequest.from_dict(
            {
                "cadre_id": str(cadre.id),
                "proposed_org_unit_id": str(soe.id),
                "proposed_title": "董事长",
                "requesting_unit": "中共泸州市委组织部",
            }
        ),
    )
    assert consultation.draft.recommendation.value == "objection"
    issued = issue_opinion.sync(
        client=client,
        consultation_id=consultation.id,
        body=IssueRequest.from_dict({"issuing_org_unit_id": str(emergency.id)}),
    )
    assert issued.state.value == "issued"
    assert issued.opinion.document_number == f"泸应急意〔{clock.today().year}〕1号"
    from vetting_client.api.appointment_forms import export_appointment_form
    from vetting_client.api.consultations import get_opinion_document
    from vetting_client.models import DocumentFormat
    from vetting_client.types import File

    pdf = get_opinion_document.sync(
        client=client, consultation_id=consultation.id, format_=DocumentFormat.PDF
    )
    assert isinstance(pdf, File)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(pdf.payload).pages).replace("\x00", "")
    assert issued.opinion.document_number in text
    html = get_opinion_document.sync(
        client=client, consultation_id=consultation.id, format_=DocumentFormat.HTML
    )
    assert isinstance(html, File)
    assert issued.opinion.document_number in html.payload.read().decode()
    form = export_appointment_form.sync(client=client, cadre_id=cadre.id)
    assert isinstance(form, File)
    root = ElementTree.fromstring(form.payload.read())
    assert root.findtext(".//XingMing") == "孙志强"

    # An upload as a typed File: the client labels it with one of the operation's media types,
    # and the service reads the bytes for what they are (CSV here).
    from vetting_client.api.imports import import_records
    from vetting_client.models import ImportRecordsKind

    sheet = f"id_number,name,kind,year,grade\n{number},孙志强,target,2024,competent\n"
    imported = import_records.sync(
        client=client,
        kind=ImportRecordsKind.ASSESSMENTS,
        body=File(payload=io.BytesIO(sheet.encode()), file_name="assessments.csv"),
    )
    assert imported.rows == 1, imported
