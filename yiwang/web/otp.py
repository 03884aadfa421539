"""Following a case without an account: case number + phone, then a one-time code by SMS.

The code goes out through the SMS interface (an Outbox row of yiwang.notify, delivered by the
configured gateway: the console one in the demo). Only a keyed hash of it is kept, in a FollowCode
row with its expiry and a count of wrong tries (the visitor's session names the row). Each guess
takes a try with one conditional UPDATE, so MAX_TRIES holds however many guesses arrive at once. A
visitor who proves the phone may read that case for ACCESS_SECONDS, and the case's notices may go to
that phone from then on. The answer to "send me a code" is the same whether or not the number and
phone match — also once a case has had its MAX_CODES_PER_CASE_HOUR codes (no more are sent, nothing
else tells) — so the form cannot be used to find out who filed what (the demo, which shows the code
on screen, is the exception and says so).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from yiwang.cases.models import Case
from yiwang.cases.services import requester_phone_prove
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.notify.models import Outbox
from yiwang.notify.services import deliver_after_commit

from .models import FollowCode

CODE_SECONDS = 10 * 60
RESEND_SECONDS = 60
MAX_TRIES = 5
MAX_CODES_PER_CASE_HOUR = 5  # SMS to one requester per hour, whoever asks
ACCESS_SECONDS = 2 * 3600
SESSION_PENDING = "web_otp"
SESSION_GRANTED = "web_followed"
OTP_KIND = "verification_code"


def phone_digits(phone: str) -> str:
    """A phone as its digits, without +86 / 0086 in front of a mainland mobile number."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def phones_match(given: str, stored: str) -> bool:
    a, b = phone_digits(given), phone_digits(stored)
    return len(a) >= 7 and a == b


def _hash(code: str, number: str) -> str:
    return salted_hmac("yiwang.web.otp", f"{number}:{code}").hexdigest()


def _ts(at: dt.datetime) -> float:
    return at.timestamp()


def code_request(*, session, number: str, phone: str) -> str | None:
    """Send a code when `number` and `phone` belong together. Returns the code (for the demo screen)."""
    number, now = (number or "").strip(), clock.now()
    pending = session.get(SESSION_PENDING) or {}
    if pending and now.timestamp() - pending.get("sent", 0) < RESEND_SECONDS:
        wait = int(RESEND_SECONDS - (now.timestamp() - pending["sent"])) + 1
        raise ApplicationError(
            "otp_too_soon", _("验证码已发送，请 %(s)d 秒后再试。") % {"s": wait}, fields={"phone": ""}
        )
    case = (
        Case.objects.filter(number=number)
        .only("pk", "number", "requester_phone", "requester_language")
        .first()
    )
    code = None
    if case is not None and phones_match(phone, case.requester_phone):
        code = f"{secrets.randbelow(10**6):06d}"
        if not _send(case, code, now):
            code = None  # over the case's hourly limit: the same answer, no SMS
    # Spent codes leave no rows behind, and a new code replaces this visitor's last one.
    FollowCode.objects.filter(Q(expires_at__lt=now) | Q(pk=pending.get("id") or 0)).delete()
    row = FollowCode.objects.create(
        number=number,
        code_hash=_hash(code, number) if code else "",
        created_at=now,
        expires_at=now + dt.timedelta(seconds=CODE_SECONDS),
    )
    session[SESSION_PENDING] = {"id": row.pk, "number": number, "sent": _ts(now)}
    return code


def _send(case: Case, code: str, now: dt.datetime) -> bool:
    """Write the SMS, unless the case already had its codes this hour (then False: nothing is sent)."""
    from django.utils import translation

    recent = Outbox.objects.filter(
        case=case, kind=OTP_KIND, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent >= MAX_CODES_PER_CASE_HOUR:
        # Not an error: "too many codes" would confirm that this number and phone belong together.
        return False
    language = case.requester_language if case.requester_language in dict(settings.LANGUAGES) else "zh-hans"
    with translation.override(language):
        body = _(
            "【一网】验证码 %(code)s，用于查询诉求件 %(n)s 的办理进度，%(m)d 分钟内有效。请勿告诉他人。"
        ) % {
            "code": code,
            "n": case.number,
            "m": CODE_SECONDS // 60,
        }
    with transaction.atomic():
        row = Outbox.objects.create(
            case=case,
            channel="sms",
            recipient=case.requester_phone,
            kind=OTP_KIND,
            language=language,
            body=body,
        )
        transaction.on_commit(lambda: deliver_after_commit([row.pk]), robust=True)
    return True


def code_verify(*, session, code: str) -> str:
    """Check the code typed; on success the visitor may follow the case. Returns its number."""
    pending = session.get(SESSION_PENDING)
    now = clock.now()
    if not pending or "id" not in pending:
        raise ApplicationError("otp_missing", _("请先获取验证码。"), fields={"code": _("请先获取验证码")})
    rows = FollowCode.objects.filter(pk=pending["id"])
    # One try taken atomically: of any number of simultaneous guesses, MAX_TRIES at most are checked.
    if not rows.filter(tries__lt=MAX_TRIES, expires_at__gt=now).update(tries=F("tries") + 1):
        session.pop(SESSION_PENDING, None)
        rows.delete()
        message = _("验证码已失效，请重新获取。")
        raise ApplicationError("otp_expired", message, fields={"code": message})
    stored = rows.values_list("code_hash", "number").first()
    code = re.sub(r"\s", "", code or "")
    if not stored or not stored[0] or not constant_time_compare(_hash(code, stored[1]), stored[0]):
        message = _("验证码不正确，或诉求编号与手机号不一致。")
        raise ApplicationError("otp_wrong", message, fields={"code": message})
    session.pop(SESSION_PENDING, None)
    if not rows.delete()[0]:  # a code opens once, even when two right guesses arrive together
        message = _("验证码已失效，请重新获取。")
        raise ApplicationError("otp_expired", message, fields={"code": message})
    requester_phone_prove(number=stored[1])  # the phone is the visitor's: notices may go to it now
    grant(session, stored[1])
    return stored[1]


def pending_number(session) -> str | None:
    pending = session.get(SESSION_PENDING)
    return pending["number"] if pending else None


def grant(session, number: str) -> None:
    """This visitor may read case `number` for a while (after a code, or right after submitting it)."""
    granted = {k: v for k, v in (session.get(SESSION_GRANTED) or {}).items() if v > _ts(clock.now())}
    granted[number] = _ts(clock.now()) + ACCESS_SECONDS
    session[SESSION_GRANTED] = granted


def granted(session, number: str) -> bool:
    expires = (session.get(SESSION_GRANTED) or {}).get(number)
    return bool(expires and expires > _ts(clock.now()))
