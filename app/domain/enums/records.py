"""Records: assessments, accidents, accountability cases, commendations, investigations, and
the kinds of change a record version can be."""

from __future__ import annotations

from enum import StrEnum

from app.domain.labels import labeled


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


@labeled({"created": "新建", "amended": "更正", "revoked": "撤销"})
class ChangeKind(StrEnum):
    CREATED = "created"
    AMENDED = "amended"
    REVOKED = "revoked"


@labeled({"verbatim": "条文原文", "gist": "条文要点"})
class DutyWording(StrEnum):
    """How a duty's Chinese text in a rulebook relates to the article: its wording, or our
    summary of the item where the wording could not be checked (docs/duties.md)."""

    VERBATIM = "verbatim"
    GIST = "gist"


@labeled({"performed": "履职到位", "partly": "部分履职", "not_performed": "未履职"})
class DutyPerformance(StrEnum):
    """How a cadre performed one duty in a year (履职评定)."""

    PERFORMED = "performed"
    PARTLY = "partly"
    NOT_PERFORMED = "not_performed"
