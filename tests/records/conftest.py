from typing import Any

import pytest

from tests.factories import Api


@pytest.fixture
async def world(api: Api) -> dict[str, Any]:
    """A city with a county government, one cadre holding a post there, and an accident."""
    city = await api.org_unit("泸州市人民政府", division_code="510500")
    county = await api.org_unit(
        "江阳区人民政府", level="county", parent_id=city["id"], division_code="510502"
    )
    cadre = await api.cadre("李华")
    post = await api.post_held(cadre["id"], county["id"], start="2016-01-01")
    accident = await api.accident(county["id"])
    return {"city": city, "county": county, "cadre": cadre, "post": post, "accident": accident}
