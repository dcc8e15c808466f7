"""Bulk import: every row validated, references resolved set-based, the whole file applied in
one transaction (COPY) or not at all, and the same facts applied only once — the same file by
its SHA-256, the same facts in other bytes by their natural keys (app.imports.natural_keys):
a row already recorded is skipped and reported, and a file of nothing new answers like one
imported before."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import exists, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import record as audit
from app.auth import jurisdiction
from app.context import Context
from app.domain import idnumber
from app.domain.enums import ChangeKind
from app.errors import Conflict, Unprocessable
from app.imports import messages
from app.imports.kinds import ImportKind
from app.imports.messages import RowError, Says
from app.imports.natural_keys import KEYS, NaturalKey, find, grouped
from app.imports.parse import Sheet, read_sheet
from app.imports.rows import Labels, Problems, Subjects, cells, same_name
from app.models import ApiClient, Cadre, CadreVersion, ImportBatch, OrgUnit
from app.records.repository import in_array, latest
from app.security.pii import PiiCipher
from app.uow import RecordChanged, emit, unit_record_period

Progress = Callable[[str, int, int], None]
MAX_ROWS = 200_000
_TAKE_TURNS = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
SHOWN = 1000  # problems and skipped rows listed in an answer
_IMPORT_REASON = re.compile(r"^import ([0-9a-f-]{36})$")


@dataclass(frozen=True)
class SkippedRow:
    row: int
    record_id: UUID
    message: str


@dataclass
class Prepared:
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    skipped: list[SkippedRow] = field(default_factory=list)
    matched: list[UUID] = field(default_factory=list)  # the records the skipped rows state


@dataclass(frozen=True)
class ImportResult:
    import_id: UUID
    kind: str
    rows: int
    sha256: str
    already_imported: bool
    skipped: int = 0
    skipped_rows: tuple[SkippedRow, ...] = ()


class Importer:
    def __init__(
        self,
        session: AsyncSession,
        ctx: Context,
        cipher: PiiCipher,
        progress: Progress | None = None,
    ) -> None:
        self.session = session
        self.ctx = ctx
        self.cipher = cipher
        self.progress = progress or (lambda stage, done, total: None)

    async def run(self, kind: ImportKind, content: bytes, filename: str | None) -> ImportResult:
        # Imports of one kind take turns (until this transaction ends): two files stating the
        # same facts, sent at once, must not both find them unrecorded and both record them.
        await self.session.execute(_TAKE_TURNS, {"key": f"import:{kind.name}"})
        digest = hashlib.sha256(content).hexdigest()
        done = await self.session.scalar(select(ImportBatch).where(ImportBatch.sha256 == digest))
        if done is not None and await self._visible(done):
            return ImportResult(done.id, done.kind, done.rows, digest, already_imported=True)
        sheet = read_sheet(content, filename)
        if len(sheet.rows) > MAX_ROWS:
            raise Unprocessable(
                f"At most {MAX_ROWS} rows per file. 每个文件最多{MAX_ROWS}行。",
                errors=[("body", "too many rows")],
            )
        self.progress("read", len(sheet.rows), len(sheet.rows))
        prepared = await self._prepare(kind, sheet)
        if prepared.problems.items:
            raise _problem(prepared.problems.items)
        if done is not None:
            # Imported by a client of another jurisdiction: the same file is not applied twice,
            # and which import holds it is not this client's to know.
            raise Conflict(
                "This file has already been imported. 此文件已导入。",
                errors=[("body", "already imported")],
            )
        skipped = (len(prepared.skipped), tuple(prepared.skipped[:SHOWN]))
        if not prepared.rows and (earlier := await self._earlier_import(kind, prepared)):
            return ImportResult(earlier.id, earlier.kind, earlier.rows, digest, True, *skipped)
        import_id = await self._record(kind, prepared, digest, filename)
        return ImportResult(
            import_id, kind.name, len(prepared.rows), digest, not prepared.rows, *skipped
        )

    async def _record(
        self, kind: ImportKind, prepared: Prepared, digest: str, filename: str | None
    ) -> UUID:
        import_id = uuid.uuid4()
        created = len(prepared.rows)
        if prepared.rows:
            await self._apply(kind, prepared.rows, import_id)
        self.session.add(
            ImportBatch(
                id=import_id,
                kind=kind.name,
                sha256=digest,
                filename=filename,
                rows=created,
                imported_by=self.ctx.principal.client_id,
            )
        )
        await self.session.flush()
        summary = {"kind": kind.name, "rows": created, "sha256": digest, "filename": filename}
        audit(
            self.session,
            self.ctx,
            "import.applied",
            "import",
            import_id,
            {**summary, "skipped": len(prepared.skipped)},
        )
        return import_id

    async def _visible(self, batch: ImportBatch) -> bool:
        """An import is this client's to see when the importing client is within its
        jurisdiction (every import, for an unbound client)."""
        within = jurisdiction.org_unit_visible(self.ctx.principal, ApiClient.org_unit_id)
        if within is None:
            return True
        query = select(exists().where(ApiClient.id == batch.imported_by, within))
        return bool(await self.session.scalar(query))

    async def _earlier_import(self, kind: ImportKind, prepared: Prepared) -> ImportBatch | None:
        """The one earlier import that recorded every fact of this file, if there is one (the
        same file in other bytes); else None (the facts came by hand or from several files)."""
        model = KEYS[kind.name].model
        reasons = await self.session.scalars(
            select(model.change_reason).where(
                model.version == 1, in_array(model.id, prepared.matched)
            )
        )
        found = {m.group(1) if (m := _IMPORT_REASON.match(r or "")) else None for r in reasons}
        if len(found) != 1 or (import_id := found.pop()) is None:
            return None
        batch = await self.session.get(ImportBatch, UUID(import_id))
        return batch if batch is not None and await self._visible(batch) else None

    async def _prepare(self, kind: ImportKind, sheet: Sheet) -> Prepared:
        out = Prepared()
        parsed, labels = cells(kind, sheet, out.problems)
        subjects = await self._subjects(kind, parsed)
        total = len(parsed)
        for index, values in enumerate(parsed):
            line = values.pop("_line")
            row = _subject(kind, values, subjects, line, labels, out.problems)
            if row is None:
                continue
            try:
                payload = kind.record.create.model_validate(row)
            except ValidationError as exc:
                for error in exc.errors():
                    name, says = messages.from_pydantic(error)
                    out.problems.add(line, labels.of(name), says)
                continue
            out.rows.append({"_line": line, **kind.to_columns(payload.model_dump())})
            if index % 5000 == 0:
                self.progress("validate", index, total)
        self.progress("validate", total, total)
        await self._already_recorded(KEYS[kind.name], out, labels)
        return out

    async def _subjects(self, kind: ImportKind, parsed: list[dict[str, Any]]) -> Subjects:
        by_number = await self._cadres_by_number(parsed)
        ids = {c["cadre_id"] for c in parsed if "cadre_id" in c}
        visible = set(by_number.values()) | await self._visible_cadres(ids)
        units = await self._units() if kind.subject == "cadre_or_unit" else {}
        return Subjects(by_number, visible, await self._names(visible), units)

    async def _cadres_by_number(self, parsed: list[dict[str, Any]]) -> dict[str, UUID]:
        numbers = {idnumber.normalize(c["id_number"]) for c in parsed if "id_number" in c}
        hashes = {self.cipher.lookup_hash(n): n for n in numbers}
        if not hashes:
            return {}
        # Only cadres and units within the client's jurisdiction can be named: one outside it
        # reads exactly like one never recorded ("no cadre has this ID number").
        query = select(Cadre.id_number_hash, Cadre.id).where(in_array(Cadre.id_number_hash, hashes))
        if (visible := jurisdiction.cadre_visible(self.ctx.principal, Cadre.id)) is not None:
            query = query.where(visible)
        rows = await self.session.execute(query)
        return {hashes[h]: cadre_id for h, cadre_id in rows}

    async def _visible_cadres(self, ids: set[UUID]) -> set[UUID]:
        if not ids:
            return set()
        query = select(Cadre.id).where(in_array(Cadre.id, ids))
        if (visible := jurisdiction.cadre_visible(self.ctx.principal, Cadre.id)) is not None:
            query = query.where(visible)
        return set(await self.session.scalars(query))

    async def _names(self, cadres: set[UUID]) -> dict[UUID, str]:
        if not cadres:
            return {}
        query = latest(CadreVersion).where(in_array(CadreVersion.id, cadres))
        return {v.id: v.name for v in await self.session.scalars(query)}

    async def _units(self) -> dict[str, UUID]:
        query = select(OrgUnit.id, OrgUnit.name, OrgUnit.division_code)
        if (visible := jurisdiction.org_unit_visible(self.ctx.principal, OrgUnit.id)) is not None:
            query = query.where(visible)
        rows = await self.session.execute(query)
        found: dict[str, UUID] = {}
        for unit_id, name, code in rows:
            found[str(unit_id)] = unit_id
            found.setdefault(name, unit_id)
            if code:
                found.setdefault(f"code:{code}", unit_id)
        return found

    async def _already_recorded(self, key: NaturalKey, out: Prepared, labels: Labels) -> None:
        """Rows stating the same fact as an earlier row are errors; rows stating a fact already
        recorded are skipped (and reported); the rest are new."""
        column = labels.of(key.column)
        in_file: dict[Hashable, list[dict[str, Any]]] = {}
        unique: list[dict[str, Any]] = []
        for row in out.rows:
            if (first := find(key, row, in_file)) is not None:
                says = messages.duplicate_in_file(first["_line"], key.what)
                out.problems.add(row["_line"], column, says)
                continue
            in_file.setdefault(key.group(row), []).append(row)
            unique.append(row)
        subjects = key.subjects(unique)
        recorded = grouped(key, await key.current(self.session, subjects))
        held = grouped(key, await key.first_versions(self.session, subjects))
        out.rows = []
        for row in unique:
            if (record := find(key, row, recorded)) is not None:
                says = messages.already_recorded(key.what, record.id)
                out.skipped.append(SkippedRow(row["_line"], record.id, _said(row, says)))
                out.matched.append(record.id)
            elif key.unique_first_version and find(key, row, held) is not None:
                out.problems.add(row["_line"], column, messages.occupied(key.what))
            else:
                out.rows.append(row)

    async def _apply(self, kind: ImportKind, rows: list[dict[str, Any]], import_id: UUID) -> None:
        model = kind.record.model
        meta = {
            "version": 1,
            "change": ChangeKind.CREATED.value,
            "change_reason": f"import {import_id}",
            "recorded_by": self.ctx.principal.client_id,
            "request_id": self.ctx.request_id,
        }
        table = model.__table__.columns
        columns = [c.key for c in table if c.key != "recorded_at" and c.computed is None]
        # COPY takes JSONB as its text; a JSONB column an import has no value for gets its default.
        json_columns = {c.key for c in model.__table__.columns if isinstance(c.type, JSONB)}
        records = []
        for row in rows:
            row.pop("_line")
            row["id"] = uuid.uuid4()
            values = {**row, **meta}
            records.append(
                tuple(
                    _json_value(values.get(c)) if c in json_columns else _copy_value(values.get(c))
                    for c in columns
                )
            )
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            model.__tablename__, records=records, columns=columns
        )
        self.progress("write", len(rows), len(rows))
        for row in rows:
            cadre = row.get("cadre_id")
            emit(
                self.session,
                RecordChanged(
                    kind=kind.record.name,
                    record_id=row["id"],
                    change="created",
                    context=self.ctx,
                    cadre_ids=(cadre,) if cadre else (),
                    org_unit_id=row.get("org_unit_id"),
                    period=None if cadre else unit_record_period(row.get),
                ),
            )


def _json_value(value: Any) -> str:
    return json.dumps([] if value is None else value, ensure_ascii=False, default=str)


def _copy_value(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, str) else value


def _said(row: dict[str, Any], says: Says) -> str:
    return messages.row_message(row["_line"], None, says)


def _subject(
    kind: ImportKind,
    values: dict[str, Any],
    subjects: Subjects,
    line: int,
    labels: Labels,
    problems: Problems,
) -> dict[str, Any] | None:
    """The row's values for the create schema: its cadre (by ID number or id, its name checked)
    or, for an assessment, its org unit; None when a reference fails (reported)."""
    if not _cadre(values, subjects, line, labels, problems):
        return None
    unit_keys = [values.pop(k, None) for k in ("org_unit", "division_code")]
    if kind.subject == "cadre_or_unit" and "cadre_id" not in values:
        key = (
            values.get("org_unit_id")
            or unit_keys[0]
            or (f"code:{unit_keys[1]}" if unit_keys[1] else None)
        )
        if key is None or str(key) not in subjects.units:
            problems.add(line, labels.of("org_unit"), messages.NO_UNIT)
            return None
        values["org_unit_id"] = subjects.units[str(key)]
        values.setdefault("subject", "org_unit")
        values.setdefault("kind", "safety_work")
    elif kind.subject == "cadre_or_unit":
        values.setdefault("subject", "cadre")
    if "cadre_id" not in values and kind.subject == "cadre":
        problems.add(line, labels.of("id_number"), messages.REQUIRED)
        return None
    if kind.name == "accountability-cases":
        values.setdefault("status", "decided")
    return values


def _cadre(
    values: dict[str, Any], subjects: Subjects, line: int, labels: Labels, problems: Problems
) -> bool:
    """Resolve the row's cadre into `cadre_id`; False (reported) when it cannot be."""
    number = values.pop("id_number", None)
    name = values.pop("name", None)
    if number is not None:
        try:
            parsed = idnumber.parse(number, today=clock.today())
        except idnumber.InvalidIdNumber as exc:
            problems.add(line, labels.of("id_number"), messages.invalid_id_number(exc))
            return False
        if (cadre_id := subjects.by_number.get(parsed.value)) is None:
            problems.add(line, labels.of("id_number"), messages.NO_CADRE)
            return False
        values["cadre_id"] = cadre_id
    elif "cadre_id" in values and values["cadre_id"] not in subjects.visible_cadres:
        problems.add(line, labels.of("cadre_id"), messages.NO_CADRE_ID)
        return False
    recorded = subjects.names.get(values["cadre_id"]) if "cadre_id" in values else None
    if name is not None and recorded is not None and not same_name(name, recorded):
        problems.add(line, labels.of("name"), messages.name_mismatch(name))
        return False
    return True


def _problem(errors: list[RowError]) -> Unprocessable:
    shown = sorted(errors, key=lambda e: e.row)[:SHOWN]
    lines = sorted({e.row for e in errors})
    return Unprocessable(
        f"{len(errors)} problem(s) on {len(lines)} row(s); nothing was imported. "
        "Rows are numbered as in the file (the header is row 1). "
        f"{len(lines)}行共{len(errors)}处问题，未导入任何数据（行号与文件一致，表头为第1行）。",
        errors=[(e.field, e.message) for e in shown],
        bad_rows=lines[:SHOWN],
    )
