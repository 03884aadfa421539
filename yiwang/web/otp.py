"""Following a case without an account: case number + phone, then a one-time code by SMS.

The code goes out through the SMS interface (an Outbox row of yiwang.notify, delivered by the
configured gateway: the console one in the demo). Only a keyed hash of it is kept, in the visitor's
server-side session, with its expiry and a count of wrong tries. A visitor who proves the phone may
read that case for ACCESS_SECONDS. The answer to "send me a code" is the same whether or not the
number and phone match, so the form cannot be used to find out who filed what (the demo, which shows
the code on screen, is the exception and says so).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from yiwang.cases.models import Case
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.notify.models import Outbox
from yiwang.notify.services import deliver_after_commit

CODE_SECONDS = 10 * 60
RESEND_SECONDS = 60
MAX_TRIES = 5
MAX_CODES_PER_CASE_HOUR = 5  # SMS to one requester per hour, whoever asks
ACCESS_SECONDS = 2 * 3600
SESSION_PENDING = "web_otp"
SESSION_GRANTED = "web_followed"
OTP_KIND = "verification_code"


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    # +86 / 0086 in front of a mainland mobile number
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def phones_match(given: str, stored: str) -> bool:
    a, b = _digits(given), _digits(stored)
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
        _send(case, code, now)
    session[SESSION_PENDING] = {
        "number": number,
        "hash": _hash(code, number) if code else "",
        "expires": _ts(now) + CODE_SECONDS,
        "tries": 0,
        "sent": _ts(now),
    }
    return code


def _send(case: Case, code: str, now: dt.datetime) -> None:
    from django.utils import translation


    recent = Outbox.objects.filter(
        case=case, kind=OTP_KIND, created_at__gte=now - dt.timedelta(hours=1)
    ).count()
    if recent >= MAX_CODES_PER_CASE_HOUR:
        raise ApplicationError(
            "otp_limit", _("该诉求件的验证码发送过于频繁，请一小时后再试。"), fields={"phone": ""}, status=429
        )
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


def code_verify(*, session, code: str) -> str:
    """Check the code typed; on success the visitor may follow the case. Returns its number."""
    pending = session.get(SESSION_PENDING)
    now = _ts(clock.now())
    if not pending:
        raise ApplicationError("otp_missing", _("请先获取验证码。"), fields={"code": _("请先获取验证码")})
    if now > pending["expires"] or pending["tries"] >= MAX_TRIES:
        session.pop(SESSION_PENDING, None)
        message = _("验证码已失效，请重新获取。")
        raise ApplicationError("otp_expired", message, fields={"code": message})
    pending["tries"] += 1
    session[SESSION_PENDING] = pending
    code = re.sub(r"\s", "", code or "")
    if not pending["hash"] or not constant_time_compare(_hash(code, pending["number"]), pending["hash"]):
        message = _("验证码不正确，或诉求编号与手机号不一致。")
        raise ApplicationError("otp_wrong", message, fields={"code": message})
    session.pop(SESSION_PENDING, None)
    grant(session, pending["number"])
    return pending["number"]


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
