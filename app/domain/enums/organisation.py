"""Org units, cadres and their posts: kinds, levels, industries, statuses, safety roles."""

from __future__ import annotations

from enum import StrEnum

from app.domain.labels import labeled


@labeled(
    {
        "party_committee": "党委",
        "government": "人民政府",
        "party_working_organ": "党委工作机关",
        "government_department": "政府工作部门",
        "township": "乡镇",
        "street": "街道",
        "development_zone": "开发区",
        "industrial_park": "工业园区",
        "port_zone": "港区",
        "scenic_area": "风景区",
        "state_owned_enterprise": "国有企业",
    }
)
class OrgUnitKind(StrEnum):
    PARTY_COMMITTEE = "party_committee"
    GOVERNMENT = "government"
    PARTY_WORKING_ORGAN = "party_working_organ"
    GOVERNMENT_DEPARTMENT = "government_department"
    TOWNSHIP = "township"
    STREET = "street"
    DEVELOPMENT_ZONE = "development_zone"
    INDUSTRIAL_PARK = "industrial_park"
    PORT_ZONE = "port_zone"
    SCENIC_AREA = "scenic_area"
    STATE_OWNED_ENTERPRISE = "state_owned_enterprise"


FUNCTIONAL_ZONES = frozenset(
    {
        OrgUnitKind.DEVELOPMENT_ZONE,
        OrgUnitKind.INDUSTRIAL_PARK,
        OrgUnitKind.PORT_ZONE,
        OrgUnitKind.SCENIC_AREA,
    }
)


@labeled({"province": "省级", "city": "市级", "county": "县级", "township": "乡级"})
class OrgUnitLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"


@labeled(
    {
        "coal_mining": "煤矿",
        "non_coal_mining": "非煤矿山",
        "hazardous_chemicals": "危险化学品",
        "fireworks": "烟花爆竹",
        "metallurgy": "冶金",
        "industry_and_trade": "工贸",
        "construction": "建筑施工",
        "road_transport": "道路运输",
        "waterway_transport": "水上交通",
        "rail_transport": "铁路运输",
        "aviation": "民航",
        "special_equipment": "特种设备",
        "gas": "城镇燃气",
        "fire": "火灾",
        "energy": "电力能源",
        "liquor_and_food": "白酒食品",
        "other": "其他",
    }
)
class Industry(StrEnum):
    COAL_MINING = "coal_mining"
    NON_COAL_MINING = "non_coal_mining"
    HAZARDOUS_CHEMICALS = "hazardous_chemicals"
    FIREWORKS = "fireworks"
    METALLURGY = "metallurgy"
    INDUSTRY_AND_TRADE = "industry_and_trade"
    CONSTRUCTION = "construction"
    ROAD_TRANSPORT = "road_transport"
    WATERWAY_TRANSPORT = "waterway_transport"
    RAIL_TRANSPORT = "rail_transport"
    AVIATION = "aviation"
    SPECIAL_EQUIPMENT = "special_equipment"
    GAS = "gas"
    FIRE = "fire"
    ENERGY = "energy"
    LIQUOR_AND_FOOD = "liquor_and_food"
    OTHER = "other"


@labeled({"male": "男", "female": "女"})
class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


@labeled({"serving": "在职", "retired": "退休", "left": "离职"})
class CadreStatus(StrEnum):
    SERVING = "serving"
    RETIRED = "retired"
    LEFT = "left"


@labeled(
    {
        "first_responsible": "主要负责人（第一责任人）",
        "safety_lead": "分管安全生产负责人",
        "assisting_safety_lead": "协助分管安全生产负责人",
        "team_member": "班子其他成员",
        "soe_principal": "企业主要负责人",
    }
)
class SafetyRole(StrEnum):
    FIRST_RESPONSIBLE = "first_responsible"
    SAFETY_LEAD = "safety_lead"
    ASSISTING_SAFETY_LEAD = "assisting_safety_lead"
    TEAM_MEMBER = "team_member"
    SOE_PRINCIPAL = "soe_principal"


@labeled(
    {
        "principal": "正职（主要负责人）",
        "executive_deputy": "常务副职",
        "deputy": "副职",
        "member": "班子成员",
    }
)
class PositionKind(StrEnum):
    PRINCIPAL = "principal"
    EXECUTIVE_DEPUTY = "executive_deputy"
    DEPUTY = "deputy"
    MEMBER = "member"
