"""The LRMX sample shipped in docs/samples/ is a form the service reads as documented: received
(the cadre recorded from it), read back, and exported again as LRMX."""

from pathlib import Path

from app.forms import parse_lrmx
from tests.factories import Api

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "appointment-form.lrmx"


async def test_the_documented_sample_form_is_received_and_exported(api: Api) -> None:
    body = SAMPLE.read_bytes()
    response = await api.http.post(
        "/v1/appointment-forms",
        content=body,
        params={"filename": SAMPLE.name},
        headers={**api.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 201, response.text
    (received,) = response.json()["forms"]
    assert received["cadre"]["created"] is True and received["read"]["name"] == "吴国庆"
    form = await api.get(f"/v1/appointment-forms/{received['form_id']}")
    assert form["cadre_id"] == received["cadre"]["id"]
    exported = await api.http.get(
        f"/v1/cadres/{received['cadre']['id']}/appointment-form", headers=api.headers
    )
    assert exported.status_code == 200
    again = parse_lrmx(exported.content)
    assert again.name == "吴国庆"
