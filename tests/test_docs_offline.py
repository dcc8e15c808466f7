"""/docs and /redoc work with no network: every script, style and image they load is served by
the app itself (bundled assets), and their Content-Security-Policy allows nothing else."""

import re

import httpx
import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_everything_from_the_app(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    html = response.text
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assets += re.findall(r"""(?:url|specUrl|spec-url)\s*[:=]\s*["']([^"']+)["']""", html)
    assert assets, html
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), f"{page} loads {asset}"
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 100, asset
    assert "https://" not in response.headers["content-security-policy"]
    assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html


async def test_the_bundled_scripts_are_served_as_javascript(client: httpx.AsyncClient) -> None:
    for name in ("swagger-ui-bundle.js", "redoc.standalone.js"):
        response = await client.get(f"/docs-assets/{name}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]
        assert response.headers["x-content-type-options"] == "nosniff"
