"""Vetting decisions: purposes, outcomes, effects of findings, and the seed's systems."""

from __future__ import annotations

from enum import StrEnum

from app.domain.labels import labeled


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
