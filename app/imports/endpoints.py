"""Bulk import from CSV or XLSX."""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from app.access import Authorized
from app.auth.scopes import Scope
from app.context import Context
from app.deps import CipherDep
from app.errors import Unprocessable, problem_responses
from app.imports.kinds import IMPORTS
from app.imports.service import Importer
from app.uow import SessionDep
from app.uploads import read_upload

router = APIRouter(prefix="/v1/imports", tags=["imports"])
Writer = Annotated[Context, Authorized(Scope.RECORDS_WRITE)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


class SkippedRow(BaseModel):
    row: int = Field(description="The row as numbered in the file (the header is row 1).")
    record_id: UUID = Field(description="The record that already states this row's facts.")
    message: str


class ImportOutcome(BaseModel):
    import_id: UUID = Field(
        description="This import; for a file of nothing new, the import that recorded it."
    )
    kind: str
    rows: int = Field(description="Records created by the import.")
    sha256: str
    already_imported: bool
    status: Literal["applied", "already_imported"]
    skipped: int = Field(
        default=0, description="Rows skipped because their facts are already recorded."
    )
    skipped_rows: list[SkippedRow] = Field(
        default_factory=list, description="The skipped rows (the first 1000)."
    )


@router.post(
    "/{kind}",
    status_code=201,
    response_model=ImportOutcome,
    openapi_extra=FILE_BODY,
    responses={
        200: {
            "model": ImportOutcome,
            "description": "The same file, or every fact of it, was imported before",
        },
        **problem_responses(401, 403, 404, 409, 413, 415, 422, 503),
    },
    operation_id="import_records",
)
async def import_records(
    kind: Literal["assessments", "accountability-cases", "commendations"],
    request: Request,
    response: Response,
    session: SessionDep,
    ctx: Writer,
    cipher: CipherDep,
    filename: Annotated[str | None, Query(max_length=300, description="For raw uploads.")] = None,
) -> ImportOutcome:
    """Import a spreadsheet (CSV or XLSX; headers in English or Chinese; see docs/samples/).
    Every row is validated; the whole file is applied in one transaction or not at all, and a
    422 lists each problem once, by row and column header, in Chinese and English. A row whose
    facts are already recorded (same natural key: an assessment's subject, kind and year; a
    case's cadre, decision date and document number or authority and circumstance; a
    commendation's cadre, kind and date) is skipped and listed; a file with nothing new, like
    the same file twice, changes nothing and answers 200 `already_imported`."""
    upload = await read_upload(request, filename)
    if not upload.content:
        raise Unprocessable("The file is empty.", errors=[("body", "empty")])
    result = await Importer(session, ctx, cipher).run(
        IMPORTS[kind], upload.content, upload.filename
    )
    if result.already_imported:
        response.status_code = 200
    return ImportOutcome(
        import_id=result.import_id,
        kind=result.kind,
        rows=result.rows,
        sha256=result.sha256,
        already_imported=result.already_imported,
        status="already_imported" if result.already_imported else "applied",
        skipped=result.skipped,
        skipped_rows=[
            SkippedRow(row=s.row, record_id=s.record_id, message=s.message)
            for s in result.skipped_rows
        ],
    )
