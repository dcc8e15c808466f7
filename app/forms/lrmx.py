"""干部任免审批表 (.lrmx) files (shared/LRMX.md): a safe reader and a canonical writer.

Reading refuses, with FormError, what could harm the service: oversized input, DTDs, entity
declarations, external references (ZIP archives of forms are read by `archives`). Family
members (JiaTingChengYuan) and the photo (ZhaoPian) are personal data beyond what vetting
needs: only how many family items there were and whether a photo was present are read; their
text is never kept, returned or logged, and write_lrmx writes both elements empty.

Every text of an LrmxForm is normalised when the form is built (trimmed, `\\n` line breaks, only
characters XML 1.0 allows), so parse_lrmx(write_lrmx(form)) gives back the same texts and
write_lrmx(parse_lrmx(write_lrmx(form))) == write_lrmx(form), byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from enum import Enum
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml.common import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)
from defusedxml.ElementTree import fromstring

from app import clock
from app.domain import idnumber
from app.domain.enums import Gender
from app.forms.assessments_text import AssessmentResults, parse_assessments
from app.forms.career import Career, YearMonth, parse_career, parse_form_date

MAX_FORM_BYTES = 2 * 1024 * 1024

FAMILY, PHOTO = "JiaTingChengYuan", "ZhaoPian"
# Element → attribute path, in the order writers use (LRMX.md); "" for family and photo.
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("XingMing", "name"),
    ("XingBie", "gender_raw"),
    ("ChuShengNianYue", "birth_raw"),
    ("MinZu", "ethnicity"),
    ("JiGuan", "native_place"),
    ("ChuShengDi", "birthplace"),
    ("RuDangShiJian", "party_joined_raw"),
    ("CanJiaGongZuoShiJian", "work_started_raw"),
    ("DaoLingNianYue", "age_limit_reached_raw"),
    ("JianKangZhuangKuang", "health"),
    ("ZhuanYeJiShuZhiWu", "professional_title"),
    ("ShuXiZhuanYeYouHeZhuanChang", "expertise"),
    ("QuanRiZhiJiaoYu_XueLi", "full_time.education"),
    ("QuanRiZhiJiaoYu_XueWei", "full_time.degree"),
    ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "full_time.education_school"),
    ("QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "full_time.degree_school"),
    ("ZaiZhiJiaoYu_XueLi", "in_service.education"),
    ("ZaiZhiJiaoYu_XueWei", "in_service.degree"),
    ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "in_service.education_school"),
    ("ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "in_service.degree_school"),
    ("XianRenZhiWu", "current_post"),
    ("NiRenZhiWu", "proposed_post"),
    ("NiMianZhiWu", "post_to_remove"),
    ("JianLi", "career_raw"),
    ("JiangChengQingKuang", "rewards"),
    ("NianDuKaoHeJieGuo", "assessments_raw"),
    ("RenMianLiYou", "appointment_reason"),
    (FAMILY, ""),
    ("ChengBaoDanWei", "submitting_unit"),
    ("GaiGeQianRenZhiNianLingJieXian", "pre_reform_age_limit"),
    ("JiSuanNianLingShiJian", "age_reference_raw"),
    ("TianBiaoShiJian", "filled_in_on"),
    ("TianBiaoRen", "filled_in_by"),
    ("ShenFenZheng", "id_number_raw"),
    (PHOTO, ""),
    ("Version", "version"),
)
_ATTRIBUTE = {tag: attribute for tag, attribute in ELEMENTS if attribute}
_GENDERS = {"男": Gender.MALE, "男性": Gender.MALE, "女": Gender.FEMALE, "女性": Gender.FEMALE}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class FormError(ValueError):
    """A form or archive refused; `field` is the element (or "body") and `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def clean_text(text: str) -> str:
    """Trimmed, `\\n` line breaks, characters XML 1.0 cannot carry removed."""
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _clean_fields(instance: Any) -> None:
    for f in fields(instance):
        if f.init and isinstance(value := getattr(instance, f.name), str):
            object.__setattr__(instance, f.name, clean_text(value))


@dataclass(frozen=True)
class Education:
    education: str = ""  # 学历 (…_XueLi)
    degree: str = ""  # 学位 (…_XueWei)
    education_school: str = ""  # 毕业院校系及专业 (…_XueLi_BiYeYuanXiaoXi)
    degree_school: str = ""  # (…_XueWei_BiYeYuanXiaoXi)

    def __post_init__(self) -> None:
        _clean_fields(self)


@dataclass(frozen=True)
class LrmxForm:
    """One form. `*_raw` texts are what the file said; the typed fields next to them are
    derived from them when the form is built (None when the text is not in a known format)."""

    name: str = ""  # XingMing
    gender_raw: str = ""  # XingBie
    birth_raw: str = ""  # ChuShengNianYue
    ethnicity: str = ""  # MinZu
    native_place: str = ""  # JiGuan
    birthplace: str = ""  # ChuShengDi
    party_joined_raw: str = ""  # RuDangShiJian
    work_started_raw: str = ""  # CanJiaGongZuoShiJian
    age_limit_reached_raw: str = ""  # DaoLingNianYue 到龄年月
    health: str = ""  # JianKangZhuangKuang
    professional_title: str = ""  # ZhuanYeJiShuZhiWu
    expertise: str = ""  # ShuXiZhuanYeYouHeZhuanChang
    full_time: Education = field(default_factory=Education)  # QuanRiZhiJiaoYu_*
    in_service: Education = field(default_factory=Education)  # ZaiZhiJiaoYu_*
    current_post: str = ""  # XianRenZhiWu
    proposed_post: str = ""  # NiRenZhiWu
    post_to_remove: str = ""  # NiMianZhiWu
    career_raw: str = ""  # JianLi
    rewards: str = ""  # JiangChengQingKuang
    assessments_raw: str = ""  # NianDuKaoHeJieGuo
    appointment_reason: str = ""  # RenMianLiYou
    submitting_unit: str = ""  # ChengBaoDanWei
    pre_reform_age_limit: str = ""  # GaiGeQianRenZhiNianLingJieXian
    age_reference_raw: str = ""  # JiSuanNianLingShiJian
    filled_in_on: str = ""  # TianBiaoShiJian (formats vary: kept as text)
    filled_in_by: str = ""  # TianBiaoRen
    id_number_raw: str = field(default="", repr=False)  # ShenFenZheng
    version: str = ""  # Version
    family_members_present: int = 0  # <Item>s of JiaTingChengYuan; their content is not read
    photo_present: bool = False  # ZhaoPian had content; it is not read
    ignored_elements: tuple[str, ...] = ()  # unknown elements, by tag name

    gender: Gender | None = field(init=False)
    birth: YearMonth | None = field(init=False)
    birth_date: date | None = field(init=False)  # when the day was given
    party_joined: YearMonth | None = field(init=False)
    work_started: YearMonth | None = field(init=False)
    age_limit_reached: YearMonth | None = field(init=False)
    age_reference: YearMonth | None = field(init=False)
    age_reference_date: date | None = field(init=False)
    career: Career = field(init=False)
    assessments: AssessmentResults = field(init=False)
    id_number: idnumber.IdNumber | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _clean_fields(self)
        birth, birth_date = parse_form_date(self.birth_raw)
        age_reference, age_reference_date = parse_form_date(self.age_reference_raw)
        derived = {
            "gender": _GENDERS.get(self.gender_raw),
            "birth": birth,
            "birth_date": birth_date,
            "party_joined": parse_form_date(self.party_joined_raw)[0],
            "work_started": parse_form_date(self.work_started_raw)[0],
            "age_limit_reached": parse_form_date(self.age_limit_reached_raw)[0],
            "age_reference": age_reference,
            "age_reference_date": age_reference_date,
            "career": parse_career(self.career_raw),
            "assessments": parse_assessments(self.assessments_raw),
            "id_number": _id_number(self.id_number_raw),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def to_summary(self) -> dict[str, Any]:
        """Every field, JSON-ready (ISO dates, `YYYY-MM` year-months, enum values)."""
        summary: dict[str, Any] = _jsonable(self)
        return summary


def _jsonable(value: Any) -> Any:
    if isinstance(value, YearMonth):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return value


def _id_number(text: str) -> idnumber.IdNumber | None:
    if not text:
        return None
    try:
        return idnumber.parse(text, today=clock.today())
    except idnumber.InvalidIdNumber as error:
        raise FormError("ShenFenZheng", f"not a valid ID number: {error}") from None


# Reading ----------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_DECLARATION = re.compile(r"\A\s*<\?xml\b[^>]*?\?>")
_GBK_NAMES = ("gbk", "gb2312", "gb_2312-80", "gb18030", "cp936", "x-gbk")
_CODECS = {
    **dict.fromkeys(("utf-8", "utf8", "us-ascii", "ascii"), "utf-8"),
    **dict.fromkeys(_GBK_NAMES, "gb18030"),  # GB18030 is a superset of GBK and GB2312
    **{"utf-16": "utf-16", "utf-16le": "utf-16-le", "utf-16be": "utf-16-be"},
    **dict.fromkeys(("iso-8859-1", "latin-1", "latin1"), "latin-1"),
}


_REFUSED: dict[type[Exception], str] = {
    DTDForbidden: "a DOCTYPE (DTD) is not accepted in a form",
    EntitiesForbidden: "entity declarations are not accepted in a form",
    ExternalReferenceForbidden: "external entity references are not accepted in a form",
}


def parse_lrmx(data: bytes) -> LrmxForm:
    """Read one .lrmx file; FormError for anything refused (`field` says where)."""
    if len(data) > MAX_FORM_BYTES:
        raise FormError("body", f"the form is {len(data)} bytes; at most {MAX_FORM_BYTES}")
    if not data.strip():
        raise FormError("body", "the file is empty")
    root = _parse_xml(_decode(data))
    if root.tag != "Person":
        raise FormError("body", f"the root is <{root.tag[:60]}>, not <Person> (no namespace)")
    return _read_person(root)


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], codec)
    if data[:2] in (b"<\x00", b"\x00<"):
        return _decode_as(data, "utf-16-le" if data[:1] == b"<" else "utf-16-be")
    declared = _DECLARED_ENCODING.match(data[:256])
    if declared is not None:
        name = declared[1].decode("ascii").lower()
        if name not in _CODECS:
            raise FormError("body", f"encoding {name} is not supported (UTF-8, UTF-16, GBK)")
        return _decode_as(data, _CODECS[name])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_as(data, "gb18030", "neither UTF-8 nor GBK")  # as older writers


def _decode_as(data: bytes, codec: str, what: str = "") -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        what = what or f"not valid {codec}"
        raise FormError("body", f"the file is {what} (byte {error.start})") from None
    # The text is decoded already: a declaration naming a byte encoding would mislead expat.
    return _DECLARATION.sub("", text.lstrip("\ufeff"), count=1)


def _parse_xml(text: str) -> Element:
    try:
        root: Element = fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as refused:
        reason = _REFUSED.get(type(refused), "the XML uses a construct that is not accepted")
        raise FormError("body", reason) from None
    except ParseError as error:
        raise FormError("body", f"the file is not well-formed XML ({error})") from None
    return root


def _read_person(root: Element) -> LrmxForm:
    texts: dict[str, str] = {}
    family, photo, ignored = 0, False, dict[str, None]()
    seen: set[str] = set()
    for child in root:
        tag = child.tag
        if tag in seen and (tag in _ATTRIBUTE or tag in (FAMILY, PHOTO)):
            raise FormError(tag, "the element appears more than once")
        seen.add(tag)
        if tag == FAMILY:
            family = sum(1 for item in child if item.tag == "Item")
        elif tag == PHOTO:
            photo = len(child) > 0 or bool((child.text or "").strip())
        elif tag in _ATTRIBUTE:
            if len(child) > 0:
                raise FormError(tag, "the element must hold text, not other elements")
            texts[_ATTRIBUTE[tag]] = child.text or ""
        else:
            ignored.setdefault(tag)
    return _build(texts, family, photo, tuple(ignored))


def _build(texts: dict[str, str], family: int, photo: bool, ignored: tuple[str, ...]) -> LrmxForm:
    arguments: dict[str, Any] = {k: v for k, v in texts.items() if "." not in k}
    for group in ("full_time", "in_service"):
        parts = {k.split(".")[1]: v for k, v in texts.items() if k.startswith(f"{group}.")}
        arguments[group] = Education(**parts)
    return LrmxForm(
        **arguments, family_members_present=family, photo_present=photo, ignored_elements=ignored
    )


# Writing ----------------------------------------------------------------------------------


def write_lrmx(
    form: LrmxForm, *, rewards_text: str | None = None, assessments_text: str | None = None
) -> bytes:
    """UTF-8 with BOM, root Person, every element in LRMX.md order, CRLF line breaks; family
    members and photo written as empty elements. The two texts, when given, replace the
    form's 奖惩情况 and 年度考核结果."""
    if rewards_text is not None:
        form = replace(form, rewards=rewards_text)
    if assessments_text is not None:
        form = replace(form, assessments_raw=assessments_text)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<Person>"]
    for tag, attribute in ELEMENTS:
        value = escape(_value(form, attribute)).replace("\n", "\r\n") if attribute else ""
        lines.append(f"  <{tag}>{value}</{tag}>")
    lines.append("</Person>")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _value(form: LrmxForm, attribute: str) -> str:
    target: Any = form
    for name in attribute.split("."):
        target = getattr(target, name)
    text: str = target
    return text
