"""Problems for people in Chinese and English: `Accept-Language` picks `detail`, both texts are
there; validation messages carry their Chinese; malformed JSON is a 400 naming line and column;
a body in another media type is a 415."""

import httpx

from app.errors import prefers_chinese
from tests.factories import Api

BAD_UNIT = {"name": "", "kind": "government", "level": "city"}


async def test_accept_language_chooses_the_detail_and_both_are_there(api: Api) -> None:
    english = await api.http.post("/v1/org-units", json=BAD_UNIT, headers=api.headers)
    chinese = await api.http.post(
        "/v1/org-units", json=BAD_UNIT, headers={**api.headers, "Accept-Language": "zh-CN,zh;q=0.9"}
    )
    assert english.status_code == chinese.status_code == 422
    e, c = english.json(), chinese.json()
    assert e["detail"] == e["detail_en"] and e["detail_zh"].startswith("以下字段无效")
    assert c["detail"] == c["detail_zh"] and c["detail_en"] == e["detail_en"]
    assert c["title_zh"] == "请求内容无效"
    (field,) = [f for f in c["errors"] if f["field"] == "body.name"]
    assert field["message_zh"] == "至少 1 个字符"


def test_the_language_follows_the_weights() -> None:
    assert prefers_chinese("zh-CN")
    assert prefers_chinese("en;q=0.5, zh-Hans;q=0.8")
    assert not prefers_chinese("en-US,zh;q=0.3")
    assert not prefers_chinese(None) and not prefers_chinese("fr, de")
    assert not prefers_chinese("zh;q=abc")


async def test_malformed_json_is_400_naming_line_and_column(api: Api) -> None:
    body = b'{\n  "name": "x",\n  "kind": government\n}'
    response = await api.http.post(
        "/v1/org-units",
        content=body,
        headers={**api.headers, "Content-Type": "application/json", "Accept-Language": "zh"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert "line 3, column 11" in problem["detail_en"]
    assert problem["detail"] == problem["detail_zh"] and "第3行第11列" in problem["detail_zh"]


async def test_a_body_in_another_media_type_is_415(api: Api) -> None:
    response = await api.http.post(
        "/v1/org-units",
        content=b"name=x",
        headers={**api.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415, response.text
    assert response.json()["errors"][0]["field"] == "header.content-type"


async def test_an_unknown_route_is_problem_json_in_both(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert response.json()["title_zh"] == "未找到"
