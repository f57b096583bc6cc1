"""A delivery address in mainland China, checked field by field before it is sent to the storefront.

Every problem is a 400 that names the field (`details.field`, the first one; `details.problems`, all of them), with
a message in the caller's language: a customer fixing a form needs to know which box is wrong, not just that one is.
Unknown fields are refused rather than ignored (a misspelt `post_code` must not silently drop the postcode).

- recipient_name: 1-40 characters, at least one letter (Chinese or Latin);
- phone: a mainland China mobile number, parsed with `phonenumbers` (as logins are), stored in E.164;
- province: one of the 31 province-level divisions of the mainland, in Chinese (with or without 省/市/自治区) or
  in pinyin/English ("Zhejiang", "Guangxi Zhuang Autonomous Region", "Inner Mongolia"); Hong Kong, Macau and Taiwan
  are outside the storefront's delivery area;
- city, district: 1-30 characters; street: 2-120 characters;
- postcode: optional, 6 digits.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from supportdesk.errors import InvalidInput
from supportdesk.orders.model import ShippingAddress

FIELDS = ("recipient_name", "phone", "province", "city", "district", "street", "postcode")
REQUIRED = FIELDS[:-1]
LIMITS = {"recipient_name": (1, 40), "city": (1, 30), "district": (1, 30), "street": (2, 120)}

# (Chinese name, short Chinese name, English names), the mainland's province-level divisions.
_DIVISIONS = (
    ("北京市", "北京", "Beijing"),
    ("天津市", "天津", "Tianjin"),
    ("上海市", "上海", "Shanghai"),
    ("重庆市", "重庆", "Chongqing"),
    ("河北省", "河北", "Hebei"),
    ("山西省", "山西", "Shanxi"),
    ("辽宁省", "辽宁", "Liaoning"),
    ("吉林省", "吉林", "Jilin"),
    ("黑龙江省", "黑龙江", "Heilongjiang"),
    ("江苏省", "江苏", "Jiangsu"),
    ("浙江省", "浙江", "Zhejiang"),
    ("安徽省", "安徽", "Anhui"),
    ("福建省", "福建", "Fujian"),
    ("江西省", "江西", "Jiangxi"),
    ("山东省", "山东", "Shandong"),
    ("河南省", "河南", "Henan"),
    ("湖北省", "湖北", "Hubei"),
    ("湖南省", "湖南", "Hunan"),
    ("广东省", "广东", "Guangdong"),
    ("海南省", "海南", "Hainan"),
    ("四川省", "四川", "Sichuan"),
    ("贵州省", "贵州", "Guizhou"),
    ("云南省", "云南", "Yunnan"),
    ("陕西省", "陕西", "Shaanxi"),
    ("甘肃省", "甘肃", "Gansu"),
    ("青海省", "青海", "Qinghai"),
    ("内蒙古自治区", "内蒙古", "Inner Mongolia|Nei Mongol"),
    ("广西壮族自治区", "广西", "Guangxi|Guangxi Zhuang"),
    ("西藏自治区", "西藏", "Tibet|Xizang"),
    ("宁夏回族自治区", "宁夏", "Ningxia|Ningxia Hui"),
    ("新疆维吾尔自治区", "新疆", "Xinjiang|Xinjiang Uygur|Xinjiang Uyghur"),
)
_SUFFIXES = ("", " province", " municipality", " autonomous region", " city", " shi", " sheng")


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().replace("-", " ").split())


PROVINCES: frozenset[str] = frozenset(
    {_key(full) for full, _, _ in _DIVISIONS}
    | {_key(short) for _, short, _ in _DIVISIONS}
    | {_key(name + suffix) for _, _, names in _DIVISIONS for name in names.split("|") for suffix in _SUFFIXES}
)


def parse_address(body: dict[str, Any]) -> ShippingAddress:
    """The validated address, or InvalidInput naming the (first) field that is wrong."""
    problems: dict[str, str] = {}
    for name in body:
        if name not in FIELDS:
            problems[str(name)[:64]] = "invalid_field"
    values: dict[str, str | None] = {}
    for name in FIELDS:
        raw = body.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[name] = None
            if name in REQUIRED:
                problems[name] = "missing_field"
            continue
        if not isinstance(raw, str):
            problems[name] = f"invalid_{name}"
            continue
        text = " ".join(unicodedata.normalize("NFKC", raw).split())
        problem = _check(name, text)
        if name == "phone" and problem is None:
            text = _mainland_mobile(text) or ""
            problem = None if text else "invalid_phone"
        values[name] = text
        if problem:
            problems[name] = problem
    if problems:
        field = next(name for name in (*FIELDS, *problems) if name in problems)
        raise InvalidInput(problems[field], field=field, details={"field": field, "problems": problems})
    return ShippingAddress(
        recipient_name=str(values["recipient_name"]),
        phone=str(values["phone"]),
        province=str(values["province"]),
        city=str(values["city"]),
        district=str(values["district"]),
        street=str(values["street"]),
        postcode=values["postcode"],
    )


def _check(name: str, text: str) -> str | None:
    if any(unicodedata.category(ch).startswith("C") for ch in text):  # control and format characters
        return f"invalid_{name}"
    if name in LIMITS:
        low, high = LIMITS[name]
        if not low <= len(text) <= high:
            return f"invalid_{name}"
    if name == "recipient_name" and not any(ch.isalpha() for ch in text):
        return "invalid_recipient_name"
    if name == "province" and _key(text) not in PROVINCES:
        return "invalid_province"
    if name == "postcode" and not (len(text) == 6 and text.isascii() and text.isdigit()):
        return "invalid_postcode"
    if name == "phone" and len(text) > 32:
        return "invalid_phone"
    return None


def _mainland_mobile(raw: str) -> str | None:
    """E.164 of a mainland China mobile number (+86 1xx xxxx xxxx), or None."""
    import phonenumbers  # deferred: ~0.35 s import (as for phone logins), only address changes need it

    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "CN":
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
