from tests.factories import Api


async def test_smoke(api: Api) -> None:
    city = await api.org_unit()
    county = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    cadre = await api.cadre()
    post = await api.post_held(cadre["id"], county["id"])
    accident = await api.accident(county["id"], deaths=3)
    case = await api.case(cadre["id"], accident_id=accident["id"])
    assert accident["level"] == "larger"
    assert case["labels"]["circumstance"] == "对生产安全事故负有领导责任"
    dossier = await api.get(f"/v1/cadres/{cadre['id']}/dossier")
    assert dossier["accidents"][0]["post_held"]["post_id"] == post["id"]
