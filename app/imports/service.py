"""Bulk import: every row validated, references resolved set-based, the whole file applied in
one transaction (COPY) or not at all, and the same file applied only once (by its SHA-256)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.service import record as audit
from app.auth import jurisdiction
from app.context import Context
from app.domain.enums import ChangeKind
from app.errors import Conflict, Unprocessable, field_errors
from app.imports.kinds import ImportKind
from app.imports.parse import Sheet, read_sheet
from app.models import ApiClient, Assessment, Cadre, ImportBatch, OrgUnit
from app.records.repository import in_array
from app.security.pii import PiiCipher
from app.uow import RecordChanged, emit, unit_record_period

Progress = Callable[[str, int, int], None]
MAX_ROWS = 200_000


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class Prepared:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    import_id: UUID
    kind: str
    rows: int
    sha256: str
    already_imported: bool


def _cells(kind: ImportKind, sheet: Sheet) -> tuple[list[dict[str, Any]], list[RowError]]:
    mapping = kind.header_map(sheet.headers)
    errors = [
        RowError(1, h, "unknown column")
        for i, h in enumerate(sheet.headers)
        if h and i not in mapping
    ]
    parsed = []
    for line, cells in sheet.rows:
        values: dict[str, Any] = {"_line": line}
        for index, column in mapping.items():
            raw = cells[index] if index < len(cells) else None
            if raw is None:
                continue
            try:
                values[column.name] = column.parse(raw)
            except ValueError as exc:
                errors.append(RowError(line, sheet.headers[index], str(exc)))
        parsed.append(values)
    return parsed, errors


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

    async def run(
        self, kind: ImportKind, content: bytes, media_type: str | None, filename: str | None
    ) -> ImportResult:
        digest = hashlib.sha256(content).hexdigest()
        done = await self.session.scalar(select(ImportBatch).where(ImportBatch.sha256 == digest))
        if done is not None and await self._visible(done):
            return ImportResult(done.id, done.kind, done.rows, digest, already_imported=True)
        sheet = read_sheet(content, media_type, filename)
        if len(sheet.rows) > MAX_ROWS:
            raise Unprocessable(
                f"At most {MAX_ROWS} rows per file.", errors=[("body", "too many rows")]
            )
        self.progress("read", len(sheet.rows), len(sheet.rows))
        prepared = await self._prepare(kind, sheet)
        if prepared.errors:
            raise _problem(prepared.errors)
        if done is not None:
            # Imported by a client of another jurisdiction: the same file is not applied twice,
            # and which import holds it is not this client's to know.
            raise Conflict(
                "This file has already been imported.", errors=[("body", "already imported")]
            )
        import_id = uuid.uuid4()
        await self._apply(kind, prepared.rows, import_id)
        batch = ImportBatch(
            id=import_id,
            kind=kind.name,
            sha256=digest,
            filename=filename,
            rows=len(prepared.rows),
            imported_by=self.ctx.principal.client_id,
        )
        self.session.add(batch)
        await self.session.flush()
        audit(
            self.session,
            self.ctx,
            "import.applied",
            "import",
            import_id,
            {"kind": kind.name, "rows": len(prepared.rows), "sha256": digest, "filename": filename},
        )
        return ImportResult(import_id, kind.name, len(prepared.rows), digest, False)

    async def _visible(self, batch: ImportBatch) -> bool:
        """An import is this client's to see when the importing client is within its
        jurisdiction (every import, for an unbound client)."""
        within = jurisdiction.org_unit_visible(self.ctx.principal, ApiClient.org_unit_id)
        if within is None:
            return True
        query = select(exists().where(ApiClient.id == batch.imported_by, within))
        return bool(await self.session.scalar(query))

    async def _prepare(self, kind: ImportKind, sheet: Sheet) -> Prepared:
        cells, errors = _cells(kind, sheet)
        out = Prepared(errors=errors)
        cadres = await self._cadres(cells)
        units = await self._units(cells) if kind.subject == "cadre_or_unit" else {}
        total = len(cells)
        for index, values in enumerate(cells):
            line = values.pop("_line")
            row = self._subject(kind, values, cadres, units, line, out.errors)
            if row is None:
                continue
            try:
                payload = kind.record.create.model_validate(row)
            except ValidationError as exc:
                out.errors.extend(RowError(line, f, m) for f, m in field_errors(exc.errors()))
                continue
            out.rows.append({"_line": line, **kind.to_columns(payload.model_dump())})
            if index % 5000 == 0:
                self.progress("validate", index, total)
        self.progress("validate", total, total)
        if kind.name == "assessments":
            await self._duplicates(out)
        return out

    async def _cadres(self, cells: list[dict[str, Any]]) -> dict[str, UUID]:
        numbers = {c["id_number"] for c in cells if "id_number" in c}
        hashes = {self.cipher.lookup_hash(n.upper()): n for n in numbers}
        if not hashes:
            return {}
        # Only cadres and units within the client's jurisdiction can be named: one outside it
        # reads exactly like one never recorded ("no cadre has this ID number").
        query = select(Cadre.id_number_hash, Cadre.id).where(in_array(Cadre.id_number_hash, hashes))
        if (visible := jurisdiction.cadre_visible(self.ctx.principal, Cadre.id)) is not None:
            query = query.where(visible)
        rows = await self.session.execute(query)
        return {hashes[h]: cadre_id for h, cadre_id in rows}

    async def _units(self, cells: list[dict[str, Any]]) -> dict[str, UUID]:
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

    @staticmethod
    def _subject(
        kind: ImportKind,
        values: dict[str, Any],
        cadres: dict[str, UUID],
        units: dict[str, UUID],
        line: int,
        errors: list[RowError],
    ) -> dict[str, Any] | None:
        number = values.pop("id_number", None)
        if number is not None:
            cadre_id = cadres.get(number.upper())
            if cadre_id is None:
                errors.append(RowError(line, "id_number", "no cadre has this ID number"))
                return None
            values["cadre_id"] = cadre_id
        unit_keys = [values.pop(k, None) for k in ("org_unit", "division_code")]
        if kind.subject == "cadre_or_unit" and "cadre_id" not in values:
            key = (
                values.get("org_unit_id")
                or unit_keys[0]
                or (f"code:{unit_keys[1]}" if unit_keys[1] else None)
            )
            if key is None or str(key) not in units:
                errors.append(RowError(line, "org_unit", "no such org unit (name, code or id)"))
                return None
            values["org_unit_id"] = units[str(key)]
            values.setdefault("subject", "org_unit")
            values.setdefault("kind", "safety_work")
        elif kind.subject == "cadre_or_unit":
            values.setdefault("subject", "cadre")
        if "cadre_id" not in values and kind.subject == "cadre":
            errors.append(RowError(line, "id_number", "required"))
            return None
        if kind.name == "accountability-cases":
            values.setdefault("status", "decided")
        return values

    async def _duplicates(self, out: Prepared) -> None:
        seen: dict[tuple[Any, ...], int] = {}
        for row in out.rows:
            key = (row.get("cadre_id") or row.get("org_unit_id"), row["kind"], row["year"])
            if key in seen:
                out.errors.append(
                    RowError(
                        row["_line"], "year", f"same subject, kind and year as line {seen[key]}"
                    )
                )
            seen[key] = row["_line"]
        subjects = list({k[0] for k in seen})
        subjects = list({k[0] for k in seen})
        existing = await self.session.execute(
            select(Assessment.cadre_id, Assessment.org_unit_id, Assessment.kind, Assessment.year)
            .where(Assessment.version == 1)
            .where(
                in_array(Assessment.cadre_id, subjects) | in_array(Assessment.org_unit_id, subjects)
            )
        )
        recorded = {(c or u, k, y) for c, u, k, y in existing}
        for key, line in seen.items():
            if key in recorded:
                out.errors.append(
                    RowError(line, "year", "already recorded; correct it by amendment")
                )

    async def _apply(self, kind: ImportKind, rows: list[dict[str, Any]], import_id: UUID) -> None:
        model = kind.record.model
        meta = {
            "version": 1,
            "change": ChangeKind.CREATED.value,
            "change_reason": f"import {import_id}",
            "recorded_by": self.ctx.principal.client_id,
            "request_id": self.ctx.request_id,
        }
        columns = [c.key for c in model.__table__.columns if c.key != "recorded_at"]
        records = []
        for row in rows:
            row.pop("_line")
            row["id"] = uuid.uuid4()
            values = {**row, **meta}
            records.append(tuple(_copy_value(values.get(c)) for c in columns))
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


def _copy_value(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, str) else value


def _problem(errors: list[RowError]) -> Unprocessable:
    shown = errors[:1000]
    lines = sorted({e.row for e in errors})
    return Unprocessable(
        f"{len(errors)} problem(s) on {len(lines)} row(s); nothing was imported. "
        "Rows are numbered as in the file (the header is row 1).",
        errors=[(f"rows[{e.row}].{e.field}", e.message) for e in shown],
        bad_rows=lines[:1000],
    )
