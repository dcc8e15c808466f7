"""The duties a post carried (职责清单), as records see them: a catalogue the composition root
puts on every session (`bind`), since the duty lists live in the rulebooks, a layer above.

Records that name duties (an accountability case for 履职不到位, a duty-performance record)
check each code against what the post carried on the day concerned and keep, with the record,
the duty as the rulebook then stated it (`CarriedDuty.stored`): years later the record still
says which article and item was at stake, whatever the rulebook says by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import Unprocessable
from app.models import Post

SESSION_KEY = "duty_catalogue"


@dataclass(frozen=True)
class CarriedDuty:
    code: str
    list_id: str
    item: int
    citation_zh: str  # 《…》第五条第（二）项
    text_zh: str
    text_en: str
    wording: str  # verbatim | gist
    rulebook_id: str
    rulebook_version: str

    def stored(self, post_id: UUID) -> dict[str, Any]:
        """The JSON kept with a record naming this duty."""
        return {
            "post_id": str(post_id),
            "duty_code": self.code,
            "list_id": self.list_id,
            "item": self.item,
            "citation_zh": self.citation_zh,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "wording": self.wording,
            "rulebook_id": self.rulebook_id,
            "rulebook_version": self.rulebook_version,
        }


class DutyCatalogue(Protocol):
    async def carried(self, session: AsyncSession, post: Post, day: date) -> dict[str, CarriedDuty]:
        """The duties `post` carried on `day`, by code (empty: no list for its role and unit)."""
        ...

    def knows(self, code: str) -> bool:
        """Whether any rulebook version states a duty with this code."""
        ...


def bind(maker: async_sessionmaker[AsyncSession], catalogue: DutyCatalogue) -> None:
    maker.configure(info={**maker.kw.get("info", {}), SESSION_KEY: catalogue})


def of_session(session: AsyncSession) -> DutyCatalogue:
    catalogue = session.info.get(SESSION_KEY)
    if catalogue is None:  # pragma: no cover - the composition root always binds one
        raise RuntimeError("no duty catalogue on this session (app wiring)")
    return catalogue  # type: ignore[no-any-return]


def on_tenure(post: Post, day: date) -> date:
    """`day` within the post's tenure (a record about a post concerns the time it was held)."""
    if day < post.start_date:
        return post.start_date
    if post.end_date is not None and day > post.end_date:
        return post.end_date
    return day


async def check_duties(
    session: AsyncSession, named: Sequence[tuple[Post, str]], day: date, field: str
) -> list[dict[str, Any]]:
    """Each (post, duty code) as the post carried it on `day` (within its tenure), in stored
    form; or a 422 naming every entry at fault: an unknown code, a code named twice for one
    post, or one the post's role did not carry."""
    catalogue = of_session(session)
    carried: dict[UUID, dict[str, CarriedDuty]] = {}
    errors: list[tuple[str, str]] = []
    out: list[dict[str, Any]] = []
    seen: set[tuple[UUID, str]] = set()
    for n, (post, code) in enumerate(named):
        on = on_tenure(post, day)
        if post.id not in carried:
            carried[post.id] = await catalogue.carried(session, post, on)
        where = f"{field}[{n}].duty_code"
        duty = carried[post.id].get(code)
        if (post.id, code) in seen:
            errors.append((where, f"duty {code!r} is named twice for post {post.id}"))
        elif duty is not None:
            out.append(duty.stored(post.id))
        elif not catalogue.knows(code):
            errors.append((where, f"unknown duty code {code!r}"))
        else:
            errors.append(
                (
                    where,
                    f"post {post.id} ({post.safety_role}) did not carry duty {code!r} "
                    f"on {on.isoformat()}",
                )
            )
        seen.add((post.id, code))
    if errors:
        raise Unprocessable(
            "A duty named is unknown or was not the post's. / 所列职责不存在或不属于该职务。",
            errors=errors,
        )
    return out
