"""A past reply offered as a draft for another case, and the check before an answer is sent.

Quoting a past reply (the knowledge base's 引用此答复, the unit desk's 以此为起点) used to paste the
old reply as it stood: addressed to the old requester, restating their question, sometimes with
their name, phone, house number and the old case's number. `reply_draft` keeps the substance:

- the salutation (网友“A000…”：您好！, 张三先生您好，) and the restated question up to its
  现回复如下： or its first sentence that only acknowledges it (您反映的“…”问题已收悉。) are cut;
- quoted words taken from the old request's title or text become “……”; the closing date goes;
- the old requester's name (also 张先生 / 张女士) becomes 您, their phone and the old address go,
  case numbers go, and the rest passes `security.masking.mask_personal_text` (other mobiles, ID
  numbers, e-mail addresses, house and room numbers). A landline or service number that is not the
  old requester's is kept as written: it is usually the department's (咨询电话：0750-3123456) and
  is what the draft is for.

`foreign_references` is the server's check before an answer is sent (desk pages, with or without
JavaScript): the text names another case when it carries that case's number, or the name or phone
of its requester. The cases looked at are the ones quoted into the form (its hidden `quoted` field),
those whose numbers the text carries, and any the page offered (a unit's similar cases): a phone
typed into an answer is never looked up among all requesters, which would tell who complained.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.cases.models import Case
from yiwang.security.masking import mask_name, mask_personal_text, mask_phone

from .otp import phone_digits

CASE_NUMBER = re.compile(r"(?<!\d)20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{6,9}(?!\d)")
_SALUTATION = re.compile(r"^[^。！!？?\n]{0,40}?(?:您好|你好)[！!，,。：:\s]*")
_LEAD_END = re.compile(r"(?:现|特)?(?:将|就)?[^。！？\n]{0,40}?(?:答复|回复|说明)如下[：:]")
# A first sentence that only says the request arrived (您反映的“…”问题已收悉。); one that goes on to
# answer (您反映的为…工程项目，目前正在施工。) is substance and stays.
_ACKNOWLEDGES = ("收悉", "已收到", "已经收到")
_SENTENCE = re.compile(r"[^。！？!?；;\n]*[。！？!?；;\n]?")
_QUOTED = re.compile(r"“([^”]{2,200})”|\"([^\"]{2,200})\"|「([^」]{2,200})」")
_CLOSING_DATE = re.compile(r"[\s，,]*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[。.]?\s*$")
_HONORIFIC = "(?:先生|女士|小姐|同志|老师|师傅|阿姨|叔叔|伯伯|大爷|大妈)"
# Numbers a draft keeps: landlines with their area code, 400/800 numbers (the departments').
_KEPT_NUMBER = re.compile(
    r"(?<![\d*])(?:\(?0\d{2,3}\)?[-－\s]?\d{7,8}(?:[-转]\d{1,6})?|[48]00[-－\s]?\d{3}[-－\s]?\d{4})(?![\d*])"
)
_DIGIT_RUN = re.compile(r"(?:\+|00)?\d[\d\-\s().]{5,20}\d")
_PLACEHOLDER = "\ue000{}\ue001"


def _strip_lead(text: str) -> str:
    """The salutation and the restated question at the head of a reply, however many there are."""
    for _round in range(3):
        before = text
        text = _SALUTATION.sub("", text, count=1).lstrip("，,。：: ")
        lead = _LEAD_END.search(text[:220])
        if lead:
            text = text[lead.end():]
        else:
            first = _SENTENCE.match(text)
            sentence = first.group(0) if first else ""
            if sentence and len(sentence) < 160 and any(m in sentence for m in _ACKNOWLEDGES):
                text = text[len(sentence):]
        text = text.lstrip("，,。：: \n")
        if text == before:
            break
    return text


def _strip_requester(text: str, case: Case) -> str:
    name = (case.requester_name or "").strip()
    if len(name) >= 2:
        text = re.sub(re.escape(name) + _HONORIFIC + "?", "您", text)
        text = re.sub(re.escape(name[0]) + _HONORIFIC, "您", text)
    phone = phone_digits(case.requester_phone or "")
    if len(phone) >= 7:  # however it was written: +86 138-0013-8000, 138 0013 8000
        spaced = r"[-\s.]?".join(re.escape(d) for d in phone)
        text = re.sub(rf"(?<!\d)(?:(?:\+|00)?86[-\s]?)?{spaced}(?!\d)", "", text)
    address = (case.address or "").strip()
    if len(address) >= 6:
        text = text.replace(address, "该处")
    return text


def _unquote_request(text: str, case: Case) -> str:
    """Quoted words that come from the old request (its title or text) are the old question."""
    asked = f"{case.title}\n{case.text}"

    def replace(m: re.Match) -> str:
        words = next(g for g in m.groups() if g)
        return "“……”" if words.strip() and words.strip() in asked else m.group(0)

    return _QUOTED.sub(replace, text)


def reply_draft(case: Case) -> str:
    """The substance of `case`'s reply, to start another case's answer from (see the module)."""
    text = (case.reply_text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    text = _strip_lead(text)
    text = _unquote_request(text, case)
    text = _CLOSING_DATE.sub("", text)
    text = CASE_NUMBER.sub("", text)
    text = _strip_requester(text, case)
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        kept.append(m.group(0))
        return _PLACEHOLDER.format(len(kept) - 1)

    text = _KEPT_NUMBER.sub(keep, text)
    text = mask_personal_text(text)
    text = re.sub("\ue000(\\d+)\ue001", lambda m: kept[int(m.group(1))], text)
    text = re.sub(r"[（(]\s*[)）]", "", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip(" ，,。：:\n") + ("。" if text.rstrip().endswith("。") else "")


# --------------------------------------------------------------------------- before sending
@dataclass(frozen=True)
class Reference:
    number: str  # the other case
    kind: str  # number | phone | name
    shown: str  # what the warning shows of it (masked)

    @property
    def describe(self) -> str:
        if self.kind == "number":
            return _("诉求件 %(n)s 的编号") % {"n": self.number}
        if self.kind == "phone":
            return _("诉求件 %(n)s 诉求人的电话（%(v)s）") % {"n": self.number, "v": self.shown}
        return _("诉求件 %(n)s 诉求人的姓名（%(v)s）") % {"n": self.number, "v": self.shown}


def foreign_references(
    text: str, *, own_number: str = "", own_name: str = "", own_phone: str = "", candidates=()
) -> list[Reference]:
    """What of other cases `text` names (see the module): their number, their requester's name or
    phone. `own_*` are the case being answered (its own requester may be named); `candidates` are
    the case numbers quoted into the form or offered on the page."""
    text = text or ""
    if not text.strip():
        return []
    named = set(CASE_NUMBER.findall(text))
    numbers = (named | {n for n in candidates if n}) - {own_number or None}
    if not numbers:
        return []
    own_name, own_phone = (own_name or "").strip(), phone_digits(own_phone)
    phones_in_text = {phone_digits(m.group(0)) for m in _DIGIT_RUN.finditer(text)}
    found: list[Reference] = []
    for other in Case.objects.filter(number__in=sorted(numbers)[:20]).order_by("number"):
        if other.number in named:
            found.append(Reference(other.number, "number", other.number))
        name = (other.requester_name or "").strip()
        if len(name) >= 2 and name != own_name and name in text:
            found.append(Reference(other.number, "name", mask_name(name)))
        phone = phone_digits(other.requester_phone or "")
        if len(phone) >= 7 and phone != own_phone and phone in phones_in_text:
            found.append(Reference(other.number, "phone", mask_phone(other.requester_phone)))
    return found


def references_signature(references: list[Reference]) -> str:
    """What a confirmation is given for: a later text naming something else asks again."""
    key = "|".join(sorted(f"{r.number}:{r.kind}" for r in references))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


CONFIRM_FIELD = "confirm_references"


def quoted_numbers(value: str) -> list[str]:
    """The case numbers a form's hidden `quoted` field carries (set when a past reply is quoted)."""
    return [n for n in re.split(r"[\s,]+", value or "") if CASE_NUMBER.fullmatch(n)][:10]


def hold_for_confirmation(form, text: str, **where) -> bool:
    """True when `text` names another case (`foreign_references(text, **where)`) and the person has
    not yet confirmed these very references: the form then carries them (`form.references`, shown
    with a checkbox by web/partials/references.html) and an error, so it is shown again unsent."""
    references = foreign_references(text, **where)
    if not references:
        return False
    signature = references_signature(references)
    field = form.add_prefix(CONFIRM_FIELD)
    if form.data.get(field) == signature:
        return False
    form.references, form.references_signature, form.references_field = references, signature, field
    form.add_error(None, _("答复中出现了其他诉求件的信息，可能把别人的诉求或个人信息写进了本件答复。请核对后勾选“已核对，确认发送”再提交。"))
    return True
