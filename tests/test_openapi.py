from app.cli import OPENAPI_PATH, openapi_document


def test_committed_openapi_document_matches_the_app() -> None:
    committed = OPENAPI_PATH.read_text(encoding="utf-8")
    assert committed == openapi_document(), "run `vetting openapi` and commit the result"
