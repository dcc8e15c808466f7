"""Reading and writing 干部任免审批表 (.lrmx) forms; pure (no database, no web framework)."""

from app.forms.archives import MAX_ARCHIVE_ENTRIES, parse_many
from app.forms.assessments_text import AssessmentResults, assessments_text, parse_assessments
from app.forms.career import (
    Career,
    CareerEntry,
    UnparsedLine,
    YearMonth,
    career_text,
    parse_career,
)
from app.forms.lrmx import (
    MAX_FORM_BYTES,
    Education,
    FormError,
    LrmxForm,
    parse_lrmx,
    write_lrmx,
)

__all__ = [
    "MAX_ARCHIVE_ENTRIES",
    "MAX_FORM_BYTES",
    "AssessmentResults",
    "Career",
    "CareerEntry",
    "Education",
    "FormError",
    "LrmxForm",
    "UnparsedLine",
    "YearMonth",
    "assessments_text",
    "career_text",
    "parse_assessments",
    "parse_career",
    "parse_lrmx",
    "parse_many",
    "write_lrmx",
]
