"""ZIP archives of .lrmx forms: each entry read with the single-form limits, and the archive
itself refused (FormError) when too big, too many entries, or unpacking to more than it
declares (zip bombs). Too big (`ArchiveTooLarge`) is told apart from unreadable, so the
endpoint can answer 413 for the one and 422 for the other."""

from __future__ import annotations

import io
import zipfile
import zlib

from app.forms.lrmx import MAX_FORM_BYTES, FormError, LrmxForm, parse_lrmx

MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_ARCHIVE_ENTRIES = 200
MAX_ARCHIVE_UNCOMPRESSED = 64 * 1024 * 1024


class ArchiveTooLarge(FormError):
    """The archive is refused for its size: as sent, or as it declares it unpacks."""


def parse_many(data: bytes, filename: str | None) -> list[tuple[str, LrmxForm | FormError]]:
    """One .lrmx file, or a ZIP of them: (name, form or the reason it was refused) for each
    form. Archive-level refusals (too big, too many entries, unreadable) raise FormError.
    Directories and entries not named *.lrmx are skipped."""
    name = filename or ""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or name.lower().endswith(".zip"):
        return _parse_archive(data)
    return [(name, _try_parse(data))]


def _try_parse(data: bytes) -> LrmxForm | FormError:
    try:
        return parse_lrmx(data)
    except FormError as error:
        return error


def _parse_archive(data: bytes) -> list[tuple[str, LrmxForm | FormError]]:
    if len(data) > MAX_ARCHIVE_BYTES:
        message = f"the archive is {len(data)} bytes; at most {MAX_ARCHIVE_BYTES}"
        raise ArchiveTooLarge("body", message)
    _check_directory(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _read_archive(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError):
        raise FormError("body", "the file is not a readable ZIP archive") from None


def _check_directory(data: bytes) -> None:
    """Refuse too many entries before zipfile builds an object for each: the end record
    (last 22 bytes, plus a comment of up to 64 KiB) gives their count and directory size."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65_535))
    if end < 0 or len(data) < end + 22:
        return  # zipfile will refuse it
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    size = int.from_bytes(data[end + 12 : end + 16], "little")
    if count > MAX_ARCHIVE_ENTRIES or size > MAX_ARCHIVE_ENTRIES * 2048:
        message = (
            f"the archive lists {count} entries in {size} bytes; at most {MAX_ARCHIVE_ENTRIES}"
        )
        raise FormError("body", message)


def _read_archive(archive: zipfile.ZipFile) -> list[tuple[str, LrmxForm | FormError]]:
    entries = archive.infolist()
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        message = f"the archive has {len(entries)} entries; at most {MAX_ARCHIVE_ENTRIES}"
        raise FormError("body", message)
    forms = [entry for entry in entries if _is_form(entry)]
    budget = MAX_ARCHIVE_UNCOMPRESSED
    if sum(entry.file_size for entry in forms) > budget:
        raise ArchiveTooLarge("body", f"the archive would unpack to more than {budget} bytes")
    results: list[tuple[str, LrmxForm | FormError]] = []
    for entry in forms:
        content = _read_entry(archive, entry)
        if isinstance(content, FormError):
            results.append((_entry_name(entry), content))
            continue
        budget -= len(content)
        if budget < 0:
            raise FormError("body", "the archive unpacks to more than it declares")
        results.append((_entry_name(entry), _try_parse(content)))
    return results


def _is_form(entry: zipfile.ZipInfo) -> bool:
    base = entry.filename.rsplit("/", 1)[-1]
    return (
        not entry.is_dir()
        and base.lower().endswith(".lrmx")
        and not base.startswith("._")
        and not entry.filename.startswith("__MACOSX/")
    )


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes | FormError:
    too_big = FormError("body", f"the entry unpacks to more than {MAX_FORM_BYTES} bytes")
    if entry.file_size > MAX_FORM_BYTES:
        return too_big
    try:
        with archive.open(entry) as stream:
            content = stream.read(MAX_FORM_BYTES + 1)  # never trust the declared size
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as e:
        return FormError("body", f"the entry cannot be unpacked ({type(e).__name__})")
    return too_big if len(content) > MAX_FORM_BYTES else content


def _entry_name(entry: zipfile.ZipInfo) -> str:
    """Entry names without the UTF-8 flag were decoded as CP437 by zipfile; Chinese archivers
    write UTF-8 or GBK bytes there."""
    if entry.flag_bits & 0x800:
        return entry.filename
    raw = entry.filename.encode("cp437")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return entry.filename
