"""The deadline sweep (督办): a yellow card when most of the handling time is used, a red card and
an escalation to the supervising dispatchers once the case is overdue.

Each card is one `supervise` move by the system, on the audit trail like any other move, and each is
given once: the querysets leave out cases that already carry it, and every move is made against the
version just read, so two sweeps running at once (two workers, a worker and `yiwang sweep_deadlines`)
cannot give the same card twice: the second is told the case changed and skips it. Suspended cases are
not swept: their clock is stopped (CLOCK_STATUSES leaves them out) and resuming shifts the deadlines.

Runs every SWEEP_INTERVAL_SECONDS: on Celery beat in production (`sweep_deadlines_task`), in a thread
of `yiwang serve` in demo mode, or once by hand with `yiwang sweep_deadlines`.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError

from .audit import sequence_pending
from .models import Card, Case
from .services import Actor, perform

log = logging.getLogger("yiwang.cases")


def cases_for_red_card(at: dt.datetime):
    """Overdue and without a red card (one given by a dispatcher by hand is theirs: kept, not repeated).
    An approved extension or a redispatch clears the card, so a case overdue again is carded again."""
    return Case.objects.overdue(at).exclude(card=Card.RED)


def cases_for_yellow_card(at: dt.datetime):
    """Past the yellow moment, not overdue, not carded yet (a red card given by hand is kept)."""
    return Case.objects.near_due(at).exclude(card=Card.RED)


def sweep_deadlines(*, at: dt.datetime | None = None) -> dict[str, int]:
    """Give the due cards as of `at` (the project clock by default).

    Returns counts: red and yellow cards given, red cards whose escalation reached at least one
    dispatcher (escalated), and cases left alone because they changed meanwhile (skipped).
    """
    at = at or clock.now()
    counts = {"red": 0, "yellow": 0, "escalated": 0, "skipped": 0}
    system = Actor.system()
    # The audit trail is written in the platform's language, whoever triggered the sweep.
    with translation.override(settings.LANGUAGE_CODE):
        plan = (
            ("red", cases_for_red_card, _("已超过办理时限，系统亮红牌并上报督办")),
            ("yellow", cases_for_yellow_card, _("临近办理时限，系统亮黄牌督办")),
        )
        for card, queryset, note in plan:
            for pk in list(queryset(at).order_by("due_at", "pk").values_list("pk", flat=True)):
                # Read again with the condition: another sweep may have carded it meanwhile.
                case = queryset(at).filter(pk=pk).first()
                if case is None:
                    counts["skipped"] += 1
                    continue
                payload = {"card": card, "note": note, "escalate": card == "red"}
                try:
                    case = perform(
                        case=case,
                        action="supervise",
                        actor=system,
                        payload=payload,
                        expected_version=case.version,
                        at=at,
                    )
                except ApplicationError as exc:  # changed meanwhile (case_changed) or no longer allowed
                    log.info("sweep skipped %s: %s", case.number, exc.code)
                    counts["skipped"] += 1
                    continue
                counts[card] += 1
                if card == "red":
                    # notify answers the hook with the escalations it wrote (cases.events)
                    counts["escalated"] += 1 if getattr(case, "hook_counts", {}).get("escalations") else 0
    if counts["red"] or counts["yellow"]:
        log.info("deadline sweep at %s: %s", at.isoformat(), counts)
    return counts


@shared_task(name="yiwang.cases.tasks.sweep_deadlines_task")
def sweep_deadlines_task() -> dict[str, int]:
    return sweep_deadlines()


@shared_task(name="yiwang.cases.tasks.sequence_events_task", ignore_result=True)
def sequence_events_task() -> int:
    """The audit trail's sequencer on a worker: every waiting event, in batches (cases.audit)."""
    total = 0
    while n := sequence_pending():
        total += n
    return total
