"""A NUL character anywhere a client can put one (query, path, header, multipart file name,
JSON body) is a 422 problem naming the parameter, never a 500 from the database."""

from typing import Any

import httpx
import pytest

from tests.factories import Api, id_number
from tests.forms import FULL, lrmx


def assert_nul_refused(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == [{"field": field, "message": "must not contain NUL characters"}]
    assert field in problem["detail"]


def multipart(filename: bytes, content: bytes, media: str) -> tuple[bytes, dict[str, str]]:
    """A multipart body written by hand: httpx would percent-encode a NUL in the name."""
    body = (
        b"--BOUNDARY\r\n"
        b'Content-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: " + media.encode() + b"\r\n\r\n" + content + b"\r\n--BOUNDARY--\r\n"
    )
    return body, {"Content-Type": "multipart/form-data; boundary=BOUNDARY"}


async def assessments_csv(api: Api) -> bytes:
    number = id_number()
    await api.post("/v1/cadres", {"id_number": number, "name": "干部甲"})
    return f"id_number,kind,year,grade\n{number},annual,2024,competent\n".encode()


async def test_a_nul_in_a_public_query_parameter_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/opinions/verify?number=%00")
    assert_nul_refused(response, "query.number")


@pytest.mark.parametrize(
    ("path", "media"),
    [("/v1/imports/assessments", "text/csv"), ("/v1/appointment-forms", "application/xml")],
)
async def test_a_nul_in_the_filename_parameter_is_refused(api: Api, path: str, media: str) -> None:
    content = await assessments_csv(api) if media == "text/csv" else lrmx(FULL)
    response = await api.http.post(
        path + "?filename=a%00b",
        content=content,
        headers={**api.headers, "Content-Type": media},
    )
    assert_nul_refused(response, "query.filename")


@pytest.mark.parametrize(
    ("path", "media"),
    [("/v1/imports/assessments", "text/csv"), ("/v1/appointment-forms", "application/xml")],
)
async def test_a_nul_in_a_multipart_file_name_is_refused(api: Api, path: str, media: str) -> None:
    content = await assessments_csv(api) if media == "text/csv" else lrmx(FULL)
    body, headers = multipart(b"data\x00.bin", content, media)
    response = await api.http.post(path, content=body, headers={**api.headers, **headers})
    assert_nul_refused(response, "body.file.filename")


async def test_an_overlong_multipart_file_name_is_refused(api: Api) -> None:
    body, headers = multipart(b"x" * 301 + b".lrmx", lrmx(FULL), "application/xml")
    response = await api.http.post(
        "/v1/appointment-forms", content=body, headers={**api.headers, **headers}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.file.filename"


async def test_a_nul_in_a_path_parameter_names_it(api: Api) -> None:
    response = await api.http.get("/v1/cadres/%00", headers=api.headers)
    assert_nul_refused(response, "path.cadre_id")


async def test_a_nul_in_a_header_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/public/assessment-results", headers={"If-None-Match": '"a\x00"'}
    )
    assert_nul_refused(response, "header.if-none-match")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "泸州\u0000市", "kind": "government", "level": "city"},
        {"name": "泸州市", "kind": "government", "level": "city", "division_code": "51\u00000"},
    ],
)
async def test_a_nul_in_a_json_string_names_the_field(api: Api, body: dict[str, Any]) -> None:
    response = await api.http.post("/v1/org-units", json=body, headers=api.headers)
    assert response.status_code == 422
    problem = response.json()
    assert [e["message"] for e in problem["errors"]] == ["must not contain NUL characters"]
    assert problem["errors"][0]["field"].startswith("body.")
