"""parse_many: one .lrmx, or a ZIP of several, with limits against zip bombs."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.forms import FormError, LrmxForm, archives, parse_many
from tests.forms import FULL, lrmx


class GbkNamedInfo(zipfile.ZipInfo):
    """As Chinese Windows archivers write: GBK names without the UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("gbk"), self.flag_bits


def archive(entries: dict[str, bytes], *, utf8_names: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name) if utf8_names else GbkNamedInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buffer.getvalue()


def test_a_single_form_is_one_result_named_after_the_file() -> None:
    ((name, form),) = parse_many(lrmx(FULL), "张三.lrmx")
    assert name == "张三.lrmx" and isinstance(form, LrmxForm) and form.name == "张三"


def test_a_single_bad_form_is_one_error_not_an_exception() -> None:
    ((name, error),) = parse_many(b"<Other/>", None)
    assert name == "" and isinstance(error, FormError)


def test_a_zip_of_several_forms_gives_each_with_its_name_and_errors_in_place() -> None:
    data = archive(
        {
            "张三.lrmx": lrmx(FULL),
            "批次/李四.LRMX": lrmx({**FULL, "XingMing": "李四"}),
            "坏的.lrmx": b"<Person><XingMing>",
            "说明.txt": b"not a form",
            "目录/": b"",
            "__MACOSX/._张三.lrmx": b"\x00\x05",
        }
    )
    results = parse_many(data, "batch.zip")
    assert [name for name, _ in results] == ["张三.lrmx", "批次/李四.LRMX", "坏的.lrmx"]
    first, second, bad = (result for _, result in results)
    assert isinstance(first, LrmxForm) and first.name == "张三"
    assert isinstance(second, LrmxForm) and second.name == "李四"
    assert isinstance(bad, FormError) and bad.field == "body"


def test_a_zip_is_recognised_without_its_file_name() -> None:
    assert len(parse_many(archive({"a.lrmx": lrmx(FULL)}), None)) == 1


def test_gbk_entry_names_are_decoded() -> None:
    data = archive({"张三.lrmx": lrmx(FULL)}, utf8_names=False)
    assert [name for name, _ in parse_many(data, "x.zip")] == ["张三.lrmx"]


def test_an_entry_that_unpacks_too_big_is_refused_without_unpacking_it() -> None:
    bomb = b"<Person>" + b" " * (3 * 1024 * 1024) + b"</Person>"
    data = archive({"bomb.lrmx": bomb, "ok.lrmx": lrmx(FULL)})
    assert len(data) < 50_000
    (_, refused), (_, form) = parse_many(data, "x.zip")
    assert isinstance(refused, FormError) and "unpacks to more than" in refused.message
    assert isinstance(form, LrmxForm)


def test_an_archive_that_unpacks_too_big_in_total_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archives, "MAX_ARCHIVE_UNCOMPRESSED", 10_000)
    entries = {f"{i}.lrmx": b"<Person>" + b" " * 3000 + b"</Person>" for i in range(5)}
    with pytest.raises(FormError, match="more than 10000 bytes"):
        parse_many(archive(entries), "x.zip")


def test_an_archive_with_too_many_entries_is_refused() -> None:
    entries = {f"{i}.txt": b"" for i in range(201)}
    with pytest.raises(FormError, match="201 entries"):
        parse_many(archive(entries), "x.zip")


def test_an_archive_whose_end_record_understates_its_entries_is_still_refused() -> None:
    data = bytearray(archive({f"{i}.lrmx": b"" for i in range(201)}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2
    with pytest.raises(FormError, match="201 entries"):
        parse_many(bytes(data), "x.zip")


def test_a_file_named_zip_that_is_not_one_is_refused() -> None:
    with pytest.raises(FormError, match="not a readable ZIP") as refused:
        parse_many(b"PK\x03\x04 broken", "x.zip")
    assert refused.value.field == "body"


def test_an_oversized_archive_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ARCHIVE_BYTES", 100)
    with pytest.raises(FormError, match="at most 100"):
        parse_many(archive({"a.lrmx": lrmx(FULL)}), "x.zip")
