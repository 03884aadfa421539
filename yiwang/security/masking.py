"""Masking of personal values: the one rule of the platform (the value itself is seen only by a logged reveal).

Everything that shows a masked personal value calls these functions and nothing else masks: the cases
API, the grid's file (pages and API), import reports, change history, edit forms, Open311's public text.

    name   张*  张*明  欧**锋
           The first character, the surname, is kept; with three or more characters the last one too.
           A compound surname is not told apart (欧阳修锋 -> 欧**锋). One character: *.
    phone  138****5678  0750****3456  010****5678  +852****4567  +1****0123  ****4567
           What says where the number is, then always four stars, then the last four digits.
           Mainland mobile: the first three. Landline: the area code (010 and 02x three digits,
           0xxx four); an extension is dropped. International (+ or 00): the country code (E.164,
           +86 included). Anything else: only the last four. Separators are dropped, so a number
           shows the same however it was typed (+852 9123-4567 and 0085291234567: +852****4567).
    id     4407**********123X
           18 characters (居民身份证, 统一社会信用代码): the first four and the last four, so the
           county and the birth date are hidden. Shorter documents (passports, permits, Hong Kong
           and Macao cards) keep a quarter of their length at each end (E12345678 -> E1*****78):
           at least half is always hidden.
    text   the first character, then stars

Free text (`mask_personal_text`) is what a person typed: a description, a reply, a note. Everything
shown of it to the public (Open311), to leaders and to auditors goes through that one function, which
finds personal data in every form it is commonly written and masks each by the rules above:
    phones     13800138000, 138-0013-8000, 138 0013 8000, +86 139 0013 9000, 0086…, 0750-3123456,
               (0750)3123456, +852 9123 4567, full-width digits (１３８００１３８０００): any run of 7 to 15
               digits with separators (- . space parentheses) is a phone, except a date (2026-12-04)
               and a case number (the day received and an ordinal: 20261204000123), which stay.
    ID numbers 18 (or 15) digits with a final X: as `id`; Hong Kong (A123456(7)) and Macao cards too.
    e-mail     the first character of the name, three stars, then the domain: z***@example.com
    doors      the digits of a house, building, unit or room number: 12号 -> **号, 3栋502 -> *栋***
    names      the names the caller gave (the case's requester), wherever the text repeats them.
Full-width forms are found as their ASCII twins; what is not personal is returned exactly as written.

When fewer than three digits of a phone would stay hidden (12345), or it is no phone number at all,
every character is a star. Every function is total: any string in, a string out, never the hidden part.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def mask_name(value: str) -> str:
    value = _SPACES.sub("", value or "")
    if len(value) <= 1:
        return "*" if value else ""
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# An extension is not part of what identifies the line: 0750-3123456转12, …#12, …-12 (as intake stores it).
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x|#)\d{1,6}$", re.IGNORECASE)
_LANDLINE_EXTENSION = re.compile(r"(\(?0\d{2,3}\)?-?\d{7,8})-\d{1,6}")
_PHONE = re.compile(r"\+?[\d\-().]+")
# E.164 country codes are prefix-free: 1 and 7 have one digit, these two, every other one three.
_TWO_DIGIT_COUNTRY_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58"
    " 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)


def _country_code(digits: str) -> str:
    if digits[:1] in ("1", "7"):
        return digits[:1]
    return digits[:2] if digits[:2] in _TWO_DIGIT_COUNTRY_CODES else digits[:3]


def mask_phone(value: str) -> str:
    value = _SPACES.sub("", value or "")
    number = _EXTENSION.sub("", unicodedata.normalize("NFKC", value))
    landline = _LANDLINE_EXTENSION.fullmatch(number)
    if landline:
        number = landline.group(1)
    if not _PHONE.fullmatch(number):
        return "*" * len(value)
    digits = re.sub(r"\D", "", number)
    if number.startswith("+") or digits.startswith("00"):
        digits = digits if number.startswith("+") else digits[2:]
        code = _country_code(digits)
        head, kept = "+" + code, len(code)
    elif digits.startswith("0"):
        head = digits[:3] if digits[1:2] in ("1", "2") else digits[:4]
        kept = len(head)
    elif len(digits) == 11 and digits.startswith("1"):
        head, kept = digits[:3], 3
    else:
        head, kept = "", 0
    if len(digits) - kept - 4 < 3:  # too short to keep anything without giving most of it away
        return "*" * len(value)
    return f"{head}****{digits[-4:]}"


def mask_id_number(value: str) -> str:
    value = _SPACES.sub("", value or "")
    keep = min(4, len(value) // 4)
    if not keep:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_text(value: str) -> str:
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


MASKS = {"name": mask_name, "phone": mask_phone, "id": mask_id_number, "text": mask_text}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value)


# --------------------------------------------------------------------------- free text
# One character for one: full-width digits, signs and letters, and the ideographic space, as ASCII. The
# patterns run on this copy; the output is cut from the original, so the spans line up.
_HALF = {**{0xFF01 + i: 0x21 + i for i in range(94)}, 0x3000: 0x20}
_EMAIL = re.compile(r"(?<![A-Za-z0-9.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_HK_MO_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,2}\d{6}\s?\(?[0-9A]\)?(?![A-Za-z0-9])|(?<![\d])[1-7]\d{6}\(\d\)")
# A case number: the day received (yyyymmdd) then a running ordinal of six or more digits.
_CASE_NUMBER = r"20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{6,9}"
_ID_NUMBER = re.compile(rf"(?<![\dXx])(?!{_CASE_NUMBER}(?![\dXx]))(?:\d{{17}}[\dXx]|\d{{15}})(?![\dXx])")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4}")
# Chinese characters are \w: the edges are ASCII letters, digits and stars (what a mask leaves) only.
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9*+])(?:\+|00)?\(?\d+\)?(?:[-. ]?\(?\d+\)?)*(?![A-Za-z0-9*])")
_DOOR = re.compile(r"(?<![A-Za-z0-9*])\d+(?:-\d+)*(?=号|栋|幢|座|单元|室|楼|层|弄|巷|房)|(?<=栋|幢|座|元)\d+(?:-\d+)*")


def _replace(text: str, pattern: re.Pattern, mask_match) -> str:
    scan = text.translate(_HALF)
    out, last = [], 0
    for m in pattern.finditer(scan):
        masked = mask_match(m)
        if masked is None:
            continue
        out.append(text[last : m.start()])
        out.append(masked)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _digit_run(m: re.Match) -> str | None:
    run = m.group(0)
    digits = sum(c.isdigit() for c in run)
    if digits < 7 or digits > 15 or _DATE.fullmatch(run.strip()) or re.fullmatch(_CASE_NUMBER, run):
        return None
    return mask_phone(run.strip()) + (" " if run.endswith(" ") else "")


def mask_personal_text(value: str, *, names: tuple[str, ...] | list[str] = ()) -> str:
    """`value` with the personal data written into it masked (see the module's docstring); `names`
    are names known to belong to a person of the case (its requester), masked wherever they occur."""
    text = value or ""
    if not text:
        return text
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _replace(text, _EMAIL, lambda m: f"{m.group(1)}***@{m.group(2)}")
    text = _replace(text, _HK_MO_ID, lambda m: mask_id_number(re.sub(r"[\s()]", "", m.group(0))))
    text = _replace(text, _ID_NUMBER, lambda m: mask_id_number(m.group(0)))
    text = _replace(text, _DIGIT_RUN, _digit_run)
    return _replace(text, _DOOR, lambda m: "*" * len(m.group(0)))
