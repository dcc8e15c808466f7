from typing import Any

import pytest

from tests.factories import Api, id_number


@pytest.fixture
async def people(api: Api) -> dict[str, Any]:
    county = await api.org_unit("纳溪区人民政府", level="county", division_code="510503")
    numbers = [id_number() for _ in range(3)]
    cadres = [
        await api.post("/v1/cadres", {"id_number": n, "name": f"干部{i}"})
        for i, n in enumerate(numbers)
    ]
    return {"county": county, "numbers": numbers, "cadres": cadres}
