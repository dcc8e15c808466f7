"""Every enum has its Chinese (and English) label: in /v1/enums, in the OpenAPI schema as
x-labels; and every operation declares the key and scopes it needs."""

import json
from pathlib import Path

import httpx

from app.domain.labels import REGISTRY

OPENAPI = json.loads((Path(__file__).parent.parent / "openapi" / "openapi.json").read_text())
# Published like an algorithm list, or public by nature: no key.
PUBLIC = {"/healthz", "/readyz", "/v1/enums", "/v1/opinions/verify", "/v1/rulebooks"}


async def test_enums_lists_every_value_with_both_labels(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/enums")  # no key needed
    assert response.status_code == 200
    enums = response.json()["enums"]
    assert set(enums) == set(REGISTRY)
    for name, cls in REGISTRY.items():
        assert [v["code"] for v in enums[name]] == [m.value for m in cls]
        assert all(v["zh"] and v["en"] for v in enums[name]), name
    grades = {v["code"]: v["zh"] for v in enums["CadreGrade"]}
    assert grades == {
        "excellent": "优秀",
        "competent": "称职",
        "basically_competent": "基本称职",
        "incompetent": "不称职",
    }


def test_every_enum_schema_carries_its_chinese_labels() -> None:
    schemas = OPENAPI["components"]["schemas"]
    documented = [name for name in REGISTRY if name in schemas]
    assert len(documented) >= 25
    for name in documented:
        schema = schemas[name]
        assert set(schema["x-labels"]) == set(schema["enum"]), name


def test_every_operation_declares_its_key_and_scopes() -> None:
    scheme = OPENAPI["components"]["securitySchemes"]["apiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, methods in OPENAPI["paths"].items():
        for method, operation in methods.items():
            security = operation.get("security")
            published = method == "get" and path in {
                "/v1/rulebooks/{rulebook_id}",
                "/v1/rulebooks/{rulebook_id}/duties",
            }
            if path in PUBLIC or published or path.startswith("/v1/public/"):
                assert not security, f"{method} {path} should need no key"
                continue
            assert security, f"{method.upper()} {path} declares no security"
            scopes = security[0]["apiKey"]
            assert scopes, f"{method.upper()} {path} declares no scope"
            assert "401" in operation["responses"] and "403" in operation["responses"], path
