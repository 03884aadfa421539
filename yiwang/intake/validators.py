"""Validators of what a requester types: pure functions, no database, no settings.

Each `parse_*` function takes the raw text and returns the normalised value, or raises `Invalid`
with a translatable message saying what is wrong and how to write it. They are tested with
generated inputs (hypothesis): every valid number passes, every single-character corruption of a
checked number fails.

Phone numbers
    mainland mobile   1[3-9] + 9 digits, optionally +86/0086/86 in front      -> 13800138000
    mainland landline area code (010, 02x, 0[3-9]xx) + 7-8 digits, optional extension
                                                                              -> 0750-3123456[-12]
    Hong Kong         +852 + 8 digits starting 2-9                             -> +85291234567
    Macao             +853 + 8 digits starting 2, 6 or 8                       -> +85366123456
    elsewhere         +<country code><number>, 8-15 digits in all (E.164)      -> +14155550123
    Numbers without area or country code are refused: a bare 8-digit number could be a
    Guangzhou landline or a Hong Kong mobile.

Identity documents (证件), recognised by their form; which ones a requester kind may give is in
DOCUMENTS_BY_KIND. The ID is optional for every kind (12345 takes anonymous and unidentified
requests) and validated whenever it is given.
    mainland_id      居民身份证 / 港澳台居民居住证: 18 characters, GB 11643 (region, birth date,
                     sequence, ISO 7064 MOD 11-2 check character)
    hkmo_permit      港澳居民来往内地通行证: H or M + 8 digits (2013 card) or + 10 digits (older)
    hkid             香港身份证: 1-2 letters + 6 digits + check character (0-9 or A), e.g. A123456(3)
    macao_id         澳门居民身份证: 1, 5, 7 or 8 + 6 digits + check digit, e.g. 1234567(8)
                     (its check algorithm is not published: form only)
    passport         Chinese (E/G + 8, E + letter + 7), HKSAR (H/K + 8) and other passports
                     (ICAO 9303: 6-9 letters and digits, at least one digit)
    uscc             统一社会信用代码 (GB 32100): 18 characters with a MOD 31 check character
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core import clock


class Invalid(ValueError):
    """A value the requester must correct; `message` is translatable and says how."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _clean(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip()


# --------------------------------------------------------------------------- text
WORD_CHAR = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TITLE_MAX = 200
TEXT_MIN, TEXT_MAX = 5, 5000
PRAISE_TEXT_MIN = 10  # praise without a unit must say whom it praises


def meaningful_length(text: str) -> int:
    """Letters, digits and Chinese characters: punctuation and spaces do not make a request."""
    return len(WORD_CHAR.findall(text or ""))


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写标题"))
    if len(title) > TITLE_MAX:
        raise Invalid(_("标题不能超过 %(n)d 字") % {"n": TITLE_MAX})
    if meaningful_length(title) < 2:
        raise Invalid(_("标题至少要有 2 个字"))
    return title


def check_text(text: str, *, minimum: int = TEXT_MIN) -> str:
    text = text or ""
    if len(text) > TEXT_MAX:
        raise Invalid(_("内容不能超过 %(n)d 字") % {"n": TEXT_MAX})
    words = WORD_CHAR.findall(text)
    if len(words) < minimum:
        raise Invalid(_("请描述诉求内容（至少 %(n)d 个字，标点不计）") % {"n": minimum})
    if len(set(words)) < 3:
        raise Invalid(_("内容无法识别，请用文字描述诉求"))
    return text


# --------------------------------------------------------------------------- phone numbers
@dataclass(frozen=True)
class Phone:
    kind: str  # mobile | landline | hk | macao | overseas
    normalized: str


MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code then the local number, which never starts with 0 or 1. 010 and 02x are followed by 8 digits.
LANDLINE = re.compile(r"(0(?:10|2\d))([2-9]\d{7})|(0[3-9]\d{2})([2-9]\d{6,7})")
HK = re.compile(r"[2-9]\d{7}")
MACAO = re.compile(r"[268]\d{7}")


def parse_phone(raw: str) -> Phone:
    text = _clean(raw)
    if not text:
        raise Invalid(_("请填写联系电话"))
    extension = ""
    match = re.fullmatch(r"(.*?)(?:\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6}))", text, flags=re.IGNORECASE)
    if match:
        text, extension = match.group(1), match.group(2)
    if re.search(r"[^\d+\-\s().]", text) or text.count("+") > 1 or "+" in text[1:]:
        raise Invalid(_("电话号码只能包含数字，国际号码以 + 开头，例如 +852 91234567"))
    international = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if not international and re.fullmatch(r"(?:86|852|853)\d{8,11}", digits) and not digits.startswith("1"):
        international = True  # 8613800138000, 85291234567 written without the +
    if international:
        return _international(digits, extension)
    return _domestic(digits, extension)


def _domestic(digits: str, extension: str) -> Phone:
    if digits.startswith("1"):
        if MOBILE.fullmatch(digits) and not extension:
            return Phone("mobile", digits)
        raise Invalid(_("手机号码应为 11 位数字，以 13-19 开头，例如 13800138000"))
    if digits.startswith("0"):
        match = LANDLINE.fullmatch(digits)
        if match:
            area, local = (
                (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
            )
            return Phone("landline", f"{area}-{local}" + (f"-{extension}" if extension else ""))
        raise Invalid(_("固定电话应为区号加 7-8 位号码，例如 0750-3123456"))
    raise Invalid(_("固定电话请加区号（例如 0750-3123456）；境外号码请加国际区号（香港 +852，澳门 +853）"))


def _international(digits: str, extension: str) -> Phone:
    if extension:
        raise Invalid(_("国际号码请不要带分机号"))
    if digits.startswith("86"):
        try:
            phone = _domestic(digits[2:] if digits[2:3] == "1" else "0" + digits[2:], "")
        except Invalid:
            raise Invalid(_("+86 后应为 11 位手机号码，或不带 0 的区号加号码")) from None
        return phone
    if digits.startswith("852"):
        if HK.fullmatch(digits[3:]):
            return Phone("hk", "+" + digits)
        raise Invalid(_("香港号码应为 +852 加 8 位数字，例如 +852 91234567"))
    if digits.startswith("853"):
        if MACAO.fullmatch(digits[3:]):
            return Phone("macao", "+" + digits)
        raise Invalid(_("澳门号码应为 +853 加 8 位数字，例如 +853 66123456"))
    if digits[:1] in ("", "0") or not 8 <= len(digits) <= 15:
        raise Invalid(_("国际号码应为 + 加国家代码和号码，共 8-15 位数字，例如 +1 4155550123"))
    return Phone("overseas", "+" + digits)


# --------------------------------------------------------------------------- identity documents
DOCUMENT_LABELS = {
    "mainland_id": gettext_lazy("居民身份证"),
    "hkmo_permit": gettext_lazy("港澳居民来往内地通行证"),
    "hkid": gettext_lazy("香港身份证"),
    "macao_id": gettext_lazy("澳门居民身份证"),
    "passport": gettext_lazy("护照"),
    "uscc": gettext_lazy("统一社会信用代码"),
}
# Which documents a requester of each kind may give (RequesterKind values). Anonymous: none is kept.
DOCUMENTS_BY_KIND = {
    "resident": ("mainland_id", "hkmo_permit", "passport"),
    "hk_macao": ("hkmo_permit", "hkid", "macao_id", "mainland_id", "passport"),
    "overseas_chinese": ("passport", "mainland_id"),
    "enterprise": ("uscc", "mainland_id"),
    "anonymous": (),
}

ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
ID_CHECK = "10X98765432"
# First two digits: provinces (GB/T 2260), 81/82/83 for the Hong Kong / Macao / Taiwan residence permits.
ID_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)


def mainland_id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def parse_mainland_id(raw: str, *, today: dt.date | None = None) -> str:
    number = re.sub(r"\s", "", _clean(raw)).upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise Invalid(_("居民身份证号码应为 18 位：17 位数字加 1 位数字或 X"))
    if int(number[:2]) not in ID_PROVINCES:
        raise Invalid(_("居民身份证号码的前两位（省份代码）无效"))
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise Invalid(_("居民身份证号码中的出生日期无效")) from None
    today = today or clock.today()  # the local date: a child born this morning in Jiangmen is born "today"
    if born.year < 1900 or born > today:
        raise Invalid(_("居民身份证号码中的出生日期无效"))
    if mainland_id_check_char(number[:17]) != number[17]:
        raise Invalid(_("居民身份证号码校验位不正确，请逐位核对"))
    return number


def parse_hkmo_permit(raw: str) -> str:
    number = re.sub(r"\s", "", _clean(raw)).upper()
    if not re.fullmatch(r"[HM]\d{8}(?:\d{2})?", number):
        raise Invalid(_("港澳居民来往内地通行证号码应为 H 或 M 加 8 位（旧证 10 位）数字"))
    return number


def hkid_check_char(prefix: str, digits: str) -> str:
    letters = prefix.rjust(2)
    values = [36 if c == " " else ord(c) - ord("A") + 10 for c in letters] + [int(d) for d in digits]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return "A" if check == 10 else str(check)


def parse_hkid(raw: str) -> str:
    text = re.sub(r"\s", "", _clean(raw)).upper()
    match = re.fullmatch(r"([A-Z]{1,2})(\d{6})\(?([0-9A])\)?", text)
    if not match:
        raise Invalid(_("香港身份证号码应为 1-2 个字母、6 位数字和括号中的校验码，例如 A123456(3)"))
    prefix, digits, check = match.groups()
    if hkid_check_char(prefix, digits) != check:
        raise Invalid(_("香港身份证号码校验码不正确，请核对括号中的字符"))
    return f"{prefix}{digits}({check})"


def parse_macao_id(raw: str) -> str:
    text = re.sub(r"[\s/]", "", _clean(raw))
    match = re.fullmatch(r"([1578]\d{6})\(?(\d)\)?", text)
    if not match:
        raise Invalid(
            _("澳门居民身份证号码应为 1、5、7 或 8 开头的 7 位数字加括号中的 1 位数字，例如 1234567(8)")
        )
    return f"{match.group(1)}({match.group(2)})"


PASSPORT_FORMS = (
    re.compile(r"E\d{8}|E[A-HJ-NP-Z]\d{7}|G\d{8}"),  # People's Republic of China
    re.compile(r"[HK]\d{8}"),  # Hong Kong SAR
    re.compile(r"(?=.*\d)[A-Z0-9]{6,9}"),  # ICAO 9303 document number (other countries, Macao SAR)
)


def parse_passport(raw: str) -> str:
    number = re.sub(r"[\s\-]", "", _clean(raw)).upper()
    if not any(form.fullmatch(number) for form in PASSPORT_FORMS):
        raise Invalid(_("护照号码应为 6-9 位字母和数字，例如 E12345678"))
    return number


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [3**i % 31 for i in range(17)]  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def parse_uscc(raw: str) -> str:
    code = re.sub(r"\s", "", _clean(raw)).upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code) or not code[2:8].isdigit():
        raise Invalid(_("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）"))
    if uscc_check_char(code[:17]) != code[17]:
        raise Invalid(_("统一社会信用代码校验位不正确，请逐位核对"))
    return code


PARSERS = {
    "mainland_id": parse_mainland_id,
    "hkmo_permit": parse_hkmo_permit,
    "hkid": parse_hkid,
    "macao_id": parse_macao_id,
    "passport": parse_passport,
    "uscc": parse_uscc,
}


def looks_like(raw: str) -> str | None:
    """The document type the number is written like (form only, no check), to explain a refusal."""
    text = re.sub(r"[\s()/\-]", "", _clean(raw)).upper()
    if re.fullmatch(r"\d{17}[\dX]", text):
        return "mainland_id"
    if re.fullmatch(r"[0-9A-Z]{18}", text):
        return "uscc"
    if re.fullmatch(r"[HM]\d{8}(\d{2})?", text):
        return "hkmo_permit"
    if re.fullmatch(r"[A-Z]{1,2}\d{6}[0-9A]", text):
        return "hkid"
    if re.fullmatch(r"[1578]\d{7}", text):
        return "macao_id"
    return None


@dataclass(frozen=True)
class Document:
    kind: str  # a key of DOCUMENT_LABELS
    number: str  # normalised


def parse_id_document(raw: str, requester_kind: str, *, today: dt.date | None = None) -> Document:
    """The first document type accepted for this requester kind that the number is a valid one of."""
    accepted = DOCUMENTS_BY_KIND.get(requester_kind, ())
    if not accepted:
        raise Invalid(_("该类诉求人无须填写证件号码"))
    shaped = looks_like(raw)
    # A number shaped like one type is judged as that type, so the message names the real problem.
    order = ([shaped] if shaped in accepted else []) + [k for k in accepted if k != shaped]
    first_error = None
    for kind in order:
        try:
            number = PARSERS[kind](raw, today=today) if kind == "mainland_id" else PARSERS[kind](raw)
        except Invalid as exc:
            first_error = first_error or exc
            continue
        return Document(kind, number)
    if shaped is not None and shaped not in accepted:
        raise Invalid(
            _("该号码像是%(doc)s，此类诉求人可填写：%(accepted)s")
            % {
                "doc": DOCUMENT_LABELS[shaped],
                "accepted": "、".join(str(DOCUMENT_LABELS[k]) for k in accepted),
            }
        )
    if shaped is not None and first_error is not None:
        raise first_error
    raise Invalid(
        _("证件号码格式无法识别，此类诉求人可填写：%(accepted)s")
        % {"accepted": "、".join(str(DOCUMENT_LABELS[k]) for k in accepted)}
    )
