"""Every response says nosniff; HTML pages carry a Content-Security-Policy that lets their own
inline CSS and scripts run (by hash) and nothing injected, and the docs load what they need."""

import base64
import hashlib
import re

import httpx

from tests.consultations.world import build_world, issue, request
from tests.factories import Api

INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1>", re.DOTALL)


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parts = (d.strip().split() for d in policy.split(";") if d.strip())
    return {name: values for name, *values in parts}


def inline_hashes(page: str, tag: str) -> list[str]:
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(content.encode()).digest()).decode() + "'"
        for found, attributes, content in INLINE.findall(page)
        if found == tag and "src=" not in attributes
    ]


def assert_strict_page(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert "script-src" not in policy  # no script at all: default-src 'none' forbids them
    styles = inline_hashes(response.text, "style")
    assert styles and policy["style-src"] == styles
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


async def test_the_public_results_page_has_a_strict_policy(client: httpx.AsyncClient) -> None:
    assert_strict_page(await client.get("/v1/public/assessment-results.html"))


async def test_the_opinion_letter_has_a_strict_policy(api: Api) -> None:
    world = await build_world(api)
    issued = await issue(api, world, await request(api, world))
    response = await api.http.get(
        f"/v1/consultations/{issued['id']}/document", headers={**api.headers, "Accept": "text/html"}
    )
    assert_strict_page(response)


async def test_swagger_ui_may_run_its_own_inline_script_and_its_bundled_assets_only(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/docs")
    policy = directives(response)
    scripts = inline_hashes(response.text, "script")
    assert scripts and set(policy["script-src"]) == {"'self'", *scripts}
    assert "'self'" in policy["style-src"]
    assert policy["connect-src"] == ["'self'"]  # the OpenAPI document and "try it out"


async def test_redoc_may_load_its_bundle_styles_and_search_worker(
    client: httpx.AsyncClient,
) -> None:
    policy = directives(await client.get("/redoc"))
    assert set(policy["script-src"]) >= {"'self'"}
    assert "'unsafe-inline'" in policy["style-src"]  # ReDoc writes its styles at run time
    assert not any(source.startswith("https:") for v in policy.values() for source in v)
    assert policy["worker-src"] == ["blob:"]


async def test_every_response_says_nosniff(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/healthz"),
        await client.get("/v1/public/assessment-results"),
        await client.get("/no/such/page"),
        await client.get("/v1/org-units"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in response.headers  # only pages need one
