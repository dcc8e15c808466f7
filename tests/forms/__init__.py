"""Builders of .lrmx test files: XML text with chosen elements, encoded as a writer would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from app import clock
from app.domain.idnumber import check_character

ID_NUMBER = "51050219800229001" + check_character("51050219800229001")

# Every element of LRMX.md except family and photo, with a distinct value each.
FULL: dict[str, str] = {
    "XingMing": "张三",
    "XingBie": "男",
    "ChuShengNianYue": "198002",
    "MinZu": "汉族",
    "JiGuan": "四川泸县",
    "ChuShengDi": "四川泸州",
    "RuDangShiJian": "200106",
    "CanJiaGongZuoShiJian": "200207",
    "DaoLingNianYue": "204002",
    "JianKangZhuangKuang": "健康",
    "ZhuanYeJiShuZhiWu": "高级工程师",
    "ShuXiZhuanYeYouHeZhuanChang": "安全生产监管",
    "QuanRiZhiJiaoYu_XueLi": "大学",
    "QuanRiZhiJiaoYu_XueWei": "工学学士",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "中国矿业大学安全工程专业",
    "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "中国矿业大学",
    "ZaiZhiJiaoYu_XueLi": "研究生",
    "ZaiZhiJiaoYu_XueWei": "管理学硕士",
    "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi": "中央党校经济管理专业",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi": "四川大学",
    "XianRenZhiWu": "泸州市纳溪区副区长",
    "NiRenZhiWu": "泸州市纳溪区区长",
    "NiMianZhiWu": "泸州市纳溪区副区长职务",
    "JianLi": "2002.07--2008.06  泸州市纳溪区安监局科员\r\n2008.06--          泸州市纳溪区副区长",
    "JiangChengQingKuang": "2015年被评为全省安全生产先进个人",
    "NianDuKaoHeJieGuo": "2023、2024年均为称职，2025年为优秀",
    "RenMianLiYou": "工作需要",
    "ChengBaoDanWei": "中共泸州市纳溪区委",
    "GaiGeQianRenZhiNianLingJieXian": "60",
    "JiSuanNianLingShiJian": "20260101",
    "TianBiaoShiJian": "2026.01.05",
    "TianBiaoRen": "李四",
    "ShenFenZheng": ID_NUMBER,
    "Version": "3.2.1.6",
}

FAMILY_MEMBERS: list[dict[str, str]] = [
    {
        "ChengWei": "妻子",
        "XingMing": "王秘密",
        "ChuShengRiQi": "198205",
        "ZhengZhiMianMao": "群众",
        "GongZuoDanWeiJiZhiWu": "泸州市隐私医院护士长",
    },
    {
        "ChengWei": "儿子",
        "XingMing": "张小保密",
        "ChuShengRiQi": "201009",
        "ZhengZhiMianMao": "共青团员",
        "GongZuoDanWeiJiZhiWu": "泸州市保密中学学生",
    },
]
PHOTO = "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//PHOTOSECRET=="

DECLARATION = '<?xml version="1.0" encoding="{encoding}"?>'


def person_xml(
    elements: Mapping[str, str] | None = None,
    *,
    family: Sequence[Mapping[str, str]] = (),
    photo: str | None = None,
    root: str = "Person",
    encoding: str | None = "UTF-8",
    raw_tail: str = "",
) -> str:
    """A form as XML text; element values are escaped, `raw_tail` is inserted verbatim."""
    lines = [DECLARATION.format(encoding=encoding)] if encoding else []
    lines.append(f"<{root}>")
    for tag, value in (elements or {}).items():
        lines.append(f"  <{tag}>{escape(value)}</{tag}>")
    if family:
        lines.append("  <JiaTingChengYuan>")
        for member in family:
            inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in member.items())
            lines.append(f"    <Item>{inner}</Item>")
        lines.append("  </JiaTingChengYuan>")
    if photo is not None:
        lines.append(f"  <ZhaoPian>{photo}</ZhaoPian>")
    lines.append(raw_tail)
    lines.append(f"</{root.split()[0]}>")
    return "\r\n".join(lines)


def lrmx(
    elements: Mapping[str, str] | None = None,
    *,
    family: Sequence[Mapping[str, str]] = (),
    photo: str | None = None,
) -> bytes:
    """A UTF-8 form with a byte-order mark, as most writers produce."""
    text = person_xml(elements, family=family, photo=photo)
    return b"\xef\xbb\xbf" + text.encode("utf-8")


_YEAR = clock.today().year


def form_elements(number: str, **extra: str) -> dict[str, str]:
    """A typical form's elements for the cadre with this ID number (overridable)."""
    return {
        "XingMing": "吴国庆",
        "XingBie": "男",
        "ChuShengNianYue": number[6:12],
        "MinZu": "汉族",
        "JiGuan": "四川泸县",
        "ChuShengDi": "四川泸县",
        "RuDangShiJian": "199807",
        "CanJiaGongZuoShiJian": "199607",
        "JianKangZhuangKuang": "健康",
        "XianRenZhiWu": "叙永县人民政府副县长",
        "NiRenZhiWu": "泸州市兴泸投资集团有限公司董事长",
        "JianLi": "1996.07--2008.06  泸州市纳溪区安监局科员\r\n"
        "2008.07--2015.12  叙永县安全生产监督管理局局长\r\n"
        "2016.01--        叙永县人民政府副县长",
        "NianDuKaoHeJieGuo": f"{_YEAR - 3}、{_YEAR - 2}年均为称职，{_YEAR - 1}年为优秀",
        "ChengBaoDanWei": "中共泸州市委组织部",
        "ShenFenZheng": number,
        **extra,
    }
