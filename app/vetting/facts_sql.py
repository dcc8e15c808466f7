"""The one set-based query behind every check, batch and dossier: for a set of cadres, every
record the rules read, as JSON rows `(kind, owner, data)` from the latest version of every
versioned table known at `known_at`, read straight from the tables (no ORM entities)."""

from __future__ import annotations


def _latest(table: str, where: str) -> str:
    """Latest version of each record of `table` as known at $2 (the `known_at` argument),
    matching `where`."""
    return (
        f"SELECT t.* FROM {table} t WHERE {where} AND t.recorded_at <= $2 "
        f"AND NOT EXISTS (SELECT 1 FROM {table} n WHERE n.id = t.id AND n.version > t.version "
        "AND n.recorded_at <= $2)"
    )


# A post's org unit as known at $2: kind and level never change; name, key-SOE flag and
# industry from the unit's latest version recorded by then (the unit row itself when it has no
# version rows, as for units loaded in bulk).
_UNIT = (
    "json_build_object('id', u.id, 'name', coalesce(uv.name, u.name), 'kind', u.kind, "
    "'level', u.level, 'is_key_soe', coalesce(uv.is_key_soe, u.is_key_soe), 'industry', "
    "CASE WHEN uv.org_unit_id IS NULL THEN u.industry ELSE uv.industry END)"
)
_UNIT_JOIN = (
    "JOIN org_units u ON u.id = t.org_unit_id LEFT JOIN LATERAL (SELECT ov.org_unit_id, ov.name, "
    "ov.is_key_soe, ov.industry FROM org_unit_versions ov WHERE ov.org_unit_id = u.id "
    "AND ov.recorded_at <= $2 ORDER BY ov.version DESC LIMIT 1) uv ON true"
)
# The columns the engine reads (the hot path); the dossier takes whole rows instead.
_LEAN = {
    "statuses": "t.id, t.change, t.status, t.effective_date",
    "assessments": "t.id, t.change, t.subject, t.kind, t.year, t.grade",
    "cases": "t.id, t.change, t.circumstance, t.status, t.opened_on, t.decision_date, "
    "t.authority, t.document_number, t.methods, t.party_sanction, t.party_probation_months, "
    "t.admin_sanction, t.suspension_months, t.leniency, t.criminal_penalty, "
    "t.criminal_penalty_completed_on, t.referred_to_supervisory_commission, t.accident_id, "
    "t.post_id, t.breached_duties",
    "commendations": "t.id, t.change, t.kind, t.basis, t.year, t.awarded_on",
    "contributions": "t.id, t.change, t.area, t.year, t.achieved_on",
    "investigations": "t.id, t.change, t.conducted_on, t.purpose, t.result",
    "posts": "t.id, t.change, t.cadre_id, t.org_unit_id, t.title, t.position, t.safety_role, "
    "t.team_rank, t.start_date, t.end_date",
    "accidents": "t.id, t.change, t.org_unit_id, t.occurred_at, t.industry, t.level, t.deaths, "
    "t.serious_injuries, t.investigation_status, t.concluded_on, t.reported_late, "
    "t.reporting_failures",
    "unit_assessments": "t.id, t.change, t.org_unit_id, t.year, t.grade",
}
# Numbers with a scale travel as text so that no digit is lost to a float.
_EXACT = {
    "accidents": ", CAST(t.direct_loss_cny AS text) AS direct_loss_cny",
    "unit_assessments": ", CAST(t.score AS text) AS score",
    "assessments": ", CAST(t.score AS text) AS score",
}
_CADRE_TABLES = {
    "statuses": "cadre_status_events",
    "assessments": "assessments",
    "cases": "accountability_cases",
    "commendations": "commendations",
    "contributions": "contributions",
    "investigations": "cadre_investigations",
}


def _columns(kind: str, full: bool) -> str:
    # Whole rows: the later `score`/`direct_loss_cny` keys replace the numeric ones.
    return ("t.*" if full else _LEAN[kind]) + _EXACT.get(kind, "")


def _part(kind: str, owner: str, source: str, full: bool, join: str = "", extra: str = "") -> str:
    return (
        f"SELECT '{kind}' AS kind, x.owner_ AS owner, CAST(row_to_json(x) AS text) AS data "
        f"FROM (SELECT t.{owner} AS owner_, {_columns(kind, full)}{extra} "
        f"FROM ({source}) t {join}) x"
    )


# Of a unit's accidents, those some cadre of the batch may answer for: named by one of their
# cases, or happening while they held a post there (a day's margin either side for the time
# zone; `FactsLoader.facts` keeps each cadre's own exactly); of its safety-work assessments,
# those of a year in which one of them held a post there (`unit_assessment_fails` looks at no
# other). A unit's history of decades would otherwise ride along in every check of everyone who
# ever served there.
_ANSWERED_FOR = " AND t.id IN (SELECT id FROM answerable)"


def _unit_parts(full: bool, accidents_where: str, assessments_where: str) -> list[str]:
    return [
        _part("accidents", "org_unit_id", _latest("accidents", accidents_where), full),
        _part("unit_assessments", "org_unit_id", _latest("assessments", assessments_where), full),
    ]


# The key of a unit's history as known at $2: how many rows (versions) of its accidents and of
# its safety-work assessments were recorded by then, and the latest time one was. Rows are never
# deleted or changed, so equal keys mean the same rows: a unit's history, once loaded, is reused
# for every later check whose key matches (`FactsLoader`), however long that history is.
_UNIT_KEYS = """
SELECT 'unit' AS kind, u.id AS owner,
       CAST(json_build_array(a.n, a.last, s.n, s.last) AS text) AS data
FROM units u,
LATERAL (SELECT count(*) AS n, max(recorded_at) AS last FROM accidents
         WHERE org_unit_id = u.id AND recorded_at <= $2) a,
LATERAL (SELECT count(*) AS n, max(recorded_at) AS last FROM assessments
         WHERE org_unit_id = u.id AND kind = 'safety_work' AND recorded_at <= $2) s
"""


# The tenure windows of the dossier's query (the checks' windows are drawn in `FactsLoader`).
_WINDOWS = """,
answerable AS (
    SELECT accident_id AS id FROM accountability_cases
    WHERE cadre_id IN (SELECT id FROM people) AND accident_id IS NOT NULL
    UNION
    SELECT a.id FROM posts p JOIN accidents a ON a.org_unit_id = p.org_unit_id
    AND a.occurred_at >= CAST(p.start_date - 1 AS timestamptz)
    AND (p.end_date IS NULL OR a.occurred_at < CAST(p.end_date + 2 AS timestamptz))
),
assessed AS (
    SELECT a.id FROM posts p JOIN assessments a ON a.org_unit_id = p.org_unit_id
    AND a.kind = 'safety_work' AND a.year >= CAST(extract(year FROM p.start_date) AS int)
    AND (p.end_date IS NULL OR a.year <= CAST(extract(year FROM p.end_date) AS int))
)"""


def _facts_sql(full: bool) -> str:
    in_people = "t.cadre_id IN (SELECT id FROM people)"
    in_units = "t.org_unit_id IN (SELECT id FROM units)"
    # The checks' query leaves units' histories to their cache and names their keys; the
    # dossier's reads the records of the tenures with the rest.
    unit_parts = (
        _unit_parts(full, in_units + _ANSWERED_FOR, "t.id IN (SELECT id FROM assessed)")
        if full
        else [_UNIT_KEYS]
    )
    parts = [
        _part(
            "posts",
            "cadre_id",
            "SELECT * FROM posts",
            full,
            _UNIT_JOIN,
            f", {_UNIT} AS unit",
        ),
        *(
            _part(kind, "cadre_id", _latest(table, in_people), full)
            for kind, table in _CADRE_TABLES.items()
        ),
        *unit_parts,
    ]
    return f"""
WITH ids AS (SELECT unnest(CAST($1 AS uuid[])) AS id),
people AS (
    SELECT c.id, c.birth_date, v.name
    FROM cadres c JOIN ids ON ids.id = c.id
    JOIN ({_latest("cadre_versions", "t.id IN (SELECT id FROM ids)")}) v ON v.id = c.id
    WHERE c.created_at <= $2
),
posts AS ({_latest("posts", in_people)}),
units AS (SELECT DISTINCT org_unit_id AS id FROM posts){_WINDOWS if full else ""}
SELECT 'person' AS kind, p.id AS owner, CAST(row_to_json(p) AS text) AS data FROM people p
UNION ALL {" UNION ALL ".join(parts)}
"""


# Run on the session's asyncpg connection (`Driver`): $1 the cadre ids, $2 `known_at`.
FACTS_SQL = _facts_sql(full=False)
FULL_SQL = _facts_sql(full=True)
# The whole history of some units as known at $2 (their ids in $1): every accident and every
# safety-work assessment, for the units whose history is not cached yet.
UNIT_HISTORY_SQL = "WITH units AS (SELECT unnest(CAST($1 AS uuid[])) AS id) " + " UNION ALL ".join(
    _unit_parts(
        False,
        "t.org_unit_id IN (SELECT id FROM units)",
        "t.org_unit_id IN (SELECT id FROM units) AND t.kind = 'safety_work'",
    )
)
