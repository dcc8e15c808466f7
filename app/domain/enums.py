"""Every enumeration of the domain, with its Chinese label (RULES.md and DESIGN.md §2)."""

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


@labeled(
    {
        "annual": "年度考核",
        "safety_duty": "安全生产责任考核",
        "target": "目标考核",
        "performance": "绩效考核",
        "term": "任期考核",
        "safety_work": "安全生产工作考核",
    }
)
class AssessmentKind(StrEnum):
    ANNUAL = "annual"
    SAFETY_DUTY = "safety_duty"
    TARGET = "target"
    PERFORMANCE = "performance"
    TERM = "term"
    SAFETY_WORK = "safety_work"  # an org unit's safety work


CADRE_ASSESSMENT_KINDS = frozenset(AssessmentKind) - {AssessmentKind.SAFETY_WORK}


@labeled({"cadre": "干部", "org_unit": "单位"})
class AssessmentSubject(StrEnum):
    CADRE = "cadre"
    ORG_UNIT = "org_unit"


@labeled(
    {
        "excellent": "优秀",
        "competent": "称职",
        "basically_competent": "基本称职",
        "incompetent": "不称职",
    }
)
class CadreGrade(StrEnum):
    EXCELLENT = "excellent"
    COMPETENT = "competent"
    BASICALLY_COMPETENT = "basically_competent"
    INCOMPETENT = "incompetent"


@labeled({"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"})
class UnitGrade(StrEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"


@labeled(
    {
        "particularly_serious": "特别重大事故",
        "major": "重大事故",
        "larger": "较大事故",
        "general": "一般事故",
    }
)
class AccidentLevel(StrEnum):
    PARTICULARLY_SERIOUS = "particularly_serious"
    MAJOR = "major"
    LARGER = "larger"
    GENERAL = "general"


ACCIDENT_SEVERITY = {
    AccidentLevel.GENERAL: 0,
    AccidentLevel.LARGER: 1,
    AccidentLevel.MAJOR: 2,
    AccidentLevel.PARTICULARLY_SERIOUS: 3,
}


@labeled({"late": "迟报", "omitted": "漏报", "false": "谎报", "concealed": "瞒报"})
class ReportingFailure(StrEnum):
    LATE = "late"
    OMITTED = "omitted"
    FALSE = "false"
    CONCEALED = "concealed"


@labeled({"open": "调查中", "concluded": "调查结束"})
class InvestigationStatus(StrEnum):
    OPEN = "open"
    CONCLUDED = "concluded"


@labeled(
    {
        "duties_not_performed": "履职不到位",
        "obstruction": "阻挠、干涉安全生产执法或事故调查",
        "reporting_failure": "对迟报、漏报、谎报或者瞒报事故负有领导责任",
        "accident_responsibility": "对生产安全事故负有领导责任",
        "other": "其他应当问责的情形",
    }
)
class Circumstance(StrEnum):
    DUTIES_NOT_PERFORMED = "duties_not_performed"
    OBSTRUCTION = "obstruction"
    REPORTING_FAILURE = "reporting_failure"
    ACCIDENT_RESPONSIBILITY = "accident_responsibility"
    OTHER = "other"


@labeled({"under_investigation": "调查中", "decided": "已作出问责决定", "revoked": "已撤销"})
class CaseStatus(StrEnum):
    UNDER_INVESTIGATION = "under_investigation"
    DECIDED = "decided"
    REVOKED = "revoked"


@labeled(
    {
        "notification": "通报",
        "admonishment": "诫勉",
        "suspension": "停职检查",
        "post_adjustment": "调整职务",
        "ordered_resignation": "责令辞职",
        "demotion": "降职",
        "removal": "免职",
        "sanction": "处分",
    }
)
class Method(StrEnum):
    NOTIFICATION = "notification"
    ADMONISHMENT = "admonishment"
    SUSPENSION = "suspension"
    POST_ADJUSTMENT = "post_adjustment"
    ORDERED_RESIGNATION = "ordered_resignation"
    DEMOTION = "demotion"
    REMOVAL = "removal"
    SANCTION = "sanction"


@labeled(
    {
        "warning": "党内警告",
        "serious_warning": "党内严重警告",
        "removal_from_party_posts": "撤销党内职务",
        "probation": "留党察看",
        "expulsion": "开除党籍",
    }
)
class PartySanction(StrEnum):
    WARNING = "warning"
    SERIOUS_WARNING = "serious_warning"
    REMOVAL_FROM_PARTY_POSTS = "removal_from_party_posts"
    PROBATION = "probation"
    EXPULSION = "expulsion"


@labeled(
    {
        "warning": "警告",
        "demerit": "记过",
        "major_demerit": "记大过",
        "demotion": "降级",
        "dismissal": "撤职",
        "expulsion": "开除",
    }
)
class AdminSanction(StrEnum):
    WARNING = "warning"
    DEMERIT = "demerit"
    MAJOR_DEMERIT = "major_demerit"
    DEMOTION = "demotion"
    DISMISSAL = "dismissal"
    EXPULSION = "expulsion"


@labeled(
    {
        "aggravated": "从重追责",
        "lighter": "从轻追责",
        "mitigated": "减轻追责",
        "exempted": "尽职免责（不予追责）",
    }
)
class Leniency(StrEnum):
    AGGRAVATED = "aggravated"
    LIGHTER = "lighter"
    MITIGATED = "mitigated"
    EXEMPTED = "exempted"


@labeled(
    {
        "commendation": "嘉奖",
        "merit_third": "记三等功",
        "merit_second": "记二等功",
        "merit_first": "记一等功",
        "honorary_title": "授予称号",
        "circulated_praise": "通报表扬",
    }
)
class CommendationKind(StrEnum):
    COMMENDATION = "commendation"
    MERIT_THIRD = "merit_third"
    MERIT_SECOND = "merit_second"
    MERIT_FIRST = "merit_first"
    HONORARY_TITLE = "honorary_title"
    CIRCULATED_PRAISE = "circulated_praise"


@labeled(
    {
        "strengthening_safety_work": "加强安全生产工作",
        "improving_safety_conditions": "改善安全生产条件",
        "preventing_accidents": "预防生产安全事故",
        "rectifying_major_hazards": "整治重大事故隐患",
        "investigating_illegal_production": "查处生产安全非法违法行为",
        "organising_rescue": "组织参加抢险救援",
        "advancing_safety_science": "推动安全生产理论和科技创新应用",
        "excellent_assessment": "安全生产工作考核成绩优秀",
    }
)
class CommendationBasis(StrEnum):
    STRENGTHENING_SAFETY_WORK = "strengthening_safety_work"
    IMPROVING_SAFETY_CONDITIONS = "improving_safety_conditions"
    PREVENTING_ACCIDENTS = "preventing_accidents"
    RECTIFYING_MAJOR_HAZARDS = "rectifying_major_hazards"
    INVESTIGATING_ILLEGAL_PRODUCTION = "investigating_illegal_production"
    ORGANISING_RESCUE = "organising_rescue"
    ADVANCING_SAFETY_SCIENCE = "advancing_safety_science"
    EXCELLENT_ASSESSMENT = "excellent_assessment"


CONTRIBUTION_AREAS = frozenset(CommendationBasis) - {CommendationBasis.EXCELLENT_ASSESSMENT}


@labeled({"pass": "合格", "fail": "不合格"})
class InvestigationResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"


@labeled(
    {
        "promotion": "提拔（晋升职务职级）",
        "important_use": "重用",
        "commendation": "评优评先、表彰",
        "safety_commendation": "安全生产表彰奖励",
        "appointment": "任用",
        "soe_head_appointment": "市属重点国有企业主要负责人任用",
    }
)
class Purpose(StrEnum):
    PROMOTION = "promotion"
    IMPORTANT_USE = "important_use"
    COMMENDATION = "commendation"
    SAFETY_COMMENDATION = "safety_commendation"
    APPOINTMENT = "appointment"
    SOE_HEAD_APPOINTMENT = "soe_head_appointment"


@labeled({"eligible": "符合条件", "ineligible": "不符合条件", "pending": "暂缓（待定）"})
class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    PENDING = "pending"


@labeled({"veto": "一票否决", "block": "限制", "hold": "暂缓", "note": "提示"})
class Effect(StrEnum):
    VETO = "veto"
    BLOCK = "block"
    HOLD = "hold"
    NOTE = "note"


@labeled(
    {
        "supervision": "督查督办制度",
        "inspection": "巡查工作制度",
        "assessment": "责任考核制度",
        "cadre_investigation": "干部考察制度",
        "disclosure": "考核公开制度",
        "commendation": "表彰奖励制度",
        "accountability": "责任追究制度",
        "one_vote_veto": "一票否决制度",
        "due_diligence_exemption": "尽职免责制度",
        "lifetime_accountability": "终身追责制度",
        "influence_period": "影响期",
        "soe_head_bar": "企业主要负责人任职限制",
    }
)
class SeedSystem(StrEnum):
    SUPERVISION = "supervision"
    INSPECTION = "inspection"
    ASSESSMENT = "assessment"
    CADRE_INVESTIGATION = "cadre_investigation"
    DISCLOSURE = "disclosure"
    COMMENDATION = "commendation"
    ACCOUNTABILITY = "accountability"
    ONE_VOTE_VETO = "one_vote_veto"
    DUE_DILIGENCE_EXEMPTION = "due_diligence_exemption"
    LIFETIME_ACCOUNTABILITY = "lifetime_accountability"
    INFLUENCE_PERIOD = "influence_period"
    SOE_HEAD_BAR = "soe_head_bar"


@labeled({"created": "新建", "amended": "更正", "revoked": "撤销"})
class ChangeKind(StrEnum):
    CREATED = "created"
    AMENDED = "amended"
    REVOKED = "revoked"
