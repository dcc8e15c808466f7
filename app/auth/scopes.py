"""What an API client may do."""

from __future__ import annotations

from enum import StrEnum

from app.domain.labels import labeled


@labeled(
    {
        "records:read": "读取档案记录",
        "records:write": "录入、更正、撤销档案记录",
        "vetting:check": "发起资格审核",
        "consultations:request": "提出征求意见请求",
        "consultations:issue": "出具安全监管部门意见",
        "audit:read": "查阅审计日志",
        "pii:read": "查看完整身份证号码",
        "admin": "管理（全部权限）",
    }
)
class Scope(StrEnum):
    RECORDS_READ = "records:read"
    RECORDS_WRITE = "records:write"
    VETTING_CHECK = "vetting:check"
    CONSULTATIONS_REQUEST = "consultations:request"
    CONSULTATIONS_ISSUE = "consultations:issue"
    AUDIT_READ = "audit:read"
    PII_READ = "pii:read"
    ADMIN = "admin"
