"""Who is calling, and what they may do."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.auth.scopes import Scope


@dataclass(frozen=True)
class Principal:
    client_id: UUID | None
    name: str
    scopes: frozenset[Scope]
    # The root of the client's jurisdiction: writes and listings are limited to its subtree.
    org_unit_id: UUID | None = None

    def has(self, scope: Scope) -> bool:
        return Scope.ADMIN in self.scopes or scope in self.scopes

    @property
    def unrestricted(self) -> bool:
        return self.org_unit_id is None


SYSTEM = Principal(client_id=None, name="system", scopes=frozenset({Scope.ADMIN}))
