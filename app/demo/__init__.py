"""`vetting demo`: a realistic, deterministic demo data set for the city of Luzhou.

The city's Party committee and government with their departments, an industrial park, three
key municipal SOEs, the seven districts and counties with their committees, governments,
departments and townships; about 200 cadres with careers (some transferred, some retired); and
records of every kind. Everything goes through the services, so it is validated and audited
like any other write.
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.builder import Demo
from app.demo.records import accidents, assessments, cases, duty_performances, other_records
from app.demo.structure import careers, teams, tree
from app.models import OrgUnit
from app.security.pii import PiiCipher
from app.vetting.duty_lists import carry


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(OrgUnit))


async def load(session: AsyncSession, cipher: PiiCipher) -> dict[str, int]:
    carry(session)  # its cases name duties: checked against the rulebooks' lists
    demo = Demo(session=session, cipher=cipher)
    await tree(demo)
    await teams(demo)
    await careers(demo)
    await assessments(demo)
    found = await accidents(demo)
    await cases(demo, found)
    await other_records(demo)
    await duty_performances(demo)
    return {"org_units": len(demo.units), "cadres": len(demo.people), "accidents": len(found)}
