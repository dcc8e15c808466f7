"""The request's context passed to services: who acts, from where, under which request id."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.principal import SYSTEM, Principal


@dataclass(frozen=True)
class Context:
    principal: Principal
    request_id: str | None = None
    client_ip: str | None = None


def system_context(name: str = "system") -> Context:
    principal = SYSTEM if name == "system" else Principal(None, name, SYSTEM.scopes)
    return Context(principal=principal)
