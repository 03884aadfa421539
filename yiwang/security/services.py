"""Writes of the security app: the logged reveal of a personal value, key rotation, retention."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError

from . import crypto
from . import error_codes as codes
from .fields import encrypted_fields
from .models import PersonalDataReveal, RetentionPurge
from .personal import mask_kind

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- reveal
def personal_data_reveal(
    *, user, obj: models.Model, field: str, reason: str, address: str | None = None
) -> str:
    """The unmasked value of one personal field, after writing who asked, for what and why.

    The caller checks that the user may see this object at all (its scope); this checks the field is
    personal, the role may reveal (PERSONAL_DATA_REVEAL_ROLES) and a reason is given. The log row is
    written before the value is returned, in the same transaction as the read.
    """
    label = obj._meta.label_lower
    if mask_kind(label, field) is None:
        raise ApplicationError(
            codes.FIELD_NOT_PERSONAL,
            _("%(field)s 不是可查看的个人信息字段。") % {"field": field},
            fields={"field": _("不可查看")},
        )
    if not getattr(user, "is_authenticated", False) or (
        getattr(user, "role", None) not in settings.PERSONAL_DATA_REVEAL_ROLES and not user.is_superuser
    ):
        raise ApplicationError(codes.REVEAL_FORBIDDEN, _("您的角色无权查看完整的个人信息。"), status=403)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ApplicationError(
            codes.REVEAL_REASON_REQUIRED,
            _("查看完整的个人信息须说明理由。"),
            fields={"reason": _("请填写查看理由")},
        )
    with transaction.atomic():
        PersonalDataReveal.objects.create(
            user=user,
            username=user.get_username(),
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_label=str(getattr(obj, "number", "") or obj.pk)[:200],
            field=field,
            reason=reason[:500],
            address=address or None,
            at=clock.now(),
        )
        # Read the stored value now (not what the caller's copy holds) so the log and the value agree.
        return getattr(type(obj)._default_manager.only(field).get(pk=obj.pk), field) or ""


# --------------------------------------------------------------------------- key rotation
@dataclass
class RotationResult:
    model: str
    rows: int = 0
    values: int = 0
    fields: list[str] = field(default_factory=list)


def fields_rotate(*, model: type[models.Model], batch_size: int = 500) -> RotationResult:
    """Re-encrypt every encrypted column of `model` with the newest key (plaintext gets encrypted).

    Works on the stored tokens (MultiFernet.rotate), never on plaintext in memory; rows already under
    the newest key are left alone, so a second run writes nothing and an interrupted run can resume.
    """
    names = [f.attname for f in encrypted_fields(model)]
    result = RotationResult(model=model._meta.label_lower, fields=names)
    if not names:
        return result
    table = model._meta.db_table
    from django.db import connection

    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = [model._meta.get_field(n).column for n in names]
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            where, params = ("", []) if last is None else (f"WHERE {quote(pk)} > %s", [last])
            cur.execute(
                f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)} {where} "
                f"ORDER BY {quote(pk)} LIMIT %s",
                [*params, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                return result
            for row in rows:
                changed = {c: crypto.rotate(v) for c, v in zip(columns, row[1:], strict=True)
                           if crypto.needs_rotation(v)}
                if changed:
                    cur.execute(
                        f"UPDATE {quote(table)} SET {', '.join(f'{quote(c)} = %s' for c in changed)} "
                        f"WHERE {quote(pk)} = %s",
                        [*changed.values(), row[0]],
                    )
                    result.rows += 1
                    result.values += len(changed)
            last = rows[-1][0]


# --------------------------------------------------------------------------- retention
# What a purged case keeps in place of its words: a fixed marker, so lists still read sensibly.
PURGED_MARK = "（个人信息已按保存期限清除）"


@dataclass
class RetentionResult:
    cutoff: dt.datetime
    cases: int = 0
    attachments: int = 0
    notifications: int = 0
    numbers: list[str] = field(default_factory=list)


def retention_cutoff(*, years: int, at: dt.datetime) -> dt.datetime:
    try:
        return at.replace(year=at.year - years)
    except ValueError:  # 29 February
        return at.replace(year=at.year - years, day=28)


def cases_past_retention(*, years: int, at: dt.datetime):
    """Cases finished before the cutoff whose personal data is still there."""
    from yiwang.cases.models import Case, Status

    cutoff = retention_cutoff(years=years, at=at)
    finished = models.Q(closed_at__lt=cutoff, status__in=[Status.CLOSED, Status.RATED, Status.ANSWERED]) | (
        models.Q(status__in=[Status.REJECTED, Status.MERGED], received_at__lt=cutoff)
    )
    purged = RetentionPurge.objects.values("case_id")
    return Case.objects.filter(finished).exclude(pk__in=purged)


def retention_apply(*, years: int, at: dt.datetime | None = None, dry_run: bool = False,
                    batch_size: int = 200) -> RetentionResult:
    """Strip personal data from cases finished more than `years` ago; keep what statistics need.

    Emptied: the requester (name, phone, ID number, account link), the exact point and address, the
    title, text and reply (free text names people), photos (files deleted) and the notifications sent
    about the case (recipient and body). Kept: number, type, category, grid and areas, units, every
    date and deadline, status, card, satisfaction, counts — all the measures read. The audit trail
    is append-only and hash-chained and carries no requester data (see docs/security.md).
    """
    from django.core.files.storage import default_storage

    from yiwang.cases.models import Case
    from yiwang.intake.models import Attachment
    from yiwang.notify.models import Outbox

    if years < 1:
        raise ValueError("years must be at least 1")
    at = at or clock.now()
    result = RetentionResult(cutoff=retention_cutoff(years=years, at=at))
    while True:
        ids = list(cases_past_retention(years=years, at=at).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return result
        numbers = list(Case.objects.filter(pk__in=ids).values_list("number", flat=True))
        result.numbers.extend(numbers)
        result.cases += len(ids)
        files = list(Attachment.objects.filter(case_id__in=ids).values_list("file", flat=True))
        result.attachments += len(files)
        result.notifications += Outbox.objects.filter(case_id__in=ids).exclude(body="").count()
        if dry_run:  # nothing written: count the rest too, then stop
            rest = cases_past_retention(years=years, at=at).exclude(pk__in=ids)
            result.cases += rest.count()
            result.numbers.extend(rest.values_list("number", flat=True))
            return result
        with transaction.atomic():
            extra = {f: "" for f in ("requester_phone_digest",) if f in {x.name for x in Case._meta.fields}}
            Case.objects.filter(pk__in=ids).update(
                **extra,
                requester_name="",
                requester_phone="",
                requester_id_number="",
                requester_user=None,
                lon=None,
                lat=None,
                address="",
                title=PURGED_MARK,
                text=PURGED_MARK,
                text_normalized="",
                reply_text="",
                extension_reason="",
                attachments=[],
            )
            Attachment.objects.filter(case_id__in=ids).update(
                original_name="", gps_lon=None, gps_lat=None, uploaded_by=None
            )
            Outbox.objects.filter(case_id__in=ids).update(recipient="", body="", subject="")
            RetentionPurge.objects.bulk_create(
                [RetentionPurge(case_id=pk, purged_at=at, years=years) for pk in ids]
            )
            transaction.on_commit(lambda files=files: _delete_files(default_storage, files))


def _delete_files(storage, paths: list[str]) -> None:
    for path in paths:
        try:
            storage.delete(path)
        except OSError:  # already gone: the goal is reached
            log.warning("retention: could not delete %s", path)
