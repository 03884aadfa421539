"""Retention (`yiwang retention --years N`): personal data of long-finished cases goes, statistics stay.

It empties columns of cases, attachments and notifications, so it sits in the top app rather than in
yiwang.security, which every app below may use; the purge log (RetentionPurge) stays in security.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import models, transaction

from yiwang.cases.models import Case, Status
from yiwang.core import clock
from yiwang.intake.models import Attachment
from yiwang.notify.models import Outbox
from yiwang.security.models import RetentionPurge

log = logging.getLogger(__name__)


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
