"""Deadlines of a case, in Chinese working days (yiwang.workdays), from its DeadlinePolicy.

Policy lookup: the request type's row for the most specific category on the case's lineage, else the
request type's default (category empty), else the Guangdong defaults below. Urgent categories
(Category.is_urgent, or a policy with urgent_hours) count working hours instead of days.
A deadline crossing a year that has no holiday calendar is computed as an estimate and flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yiwang.core.revisions import SharedSnapshot
from yiwang.workdays import selectors as workdays

from .models import Case, DeadlinePolicy, RequestType

# Guangdong 12345 practice (PRODUCT.md): working days to handle, per request type.
DEFAULT_DAYS = {
    RequestType.CONSULT: 2,
    RequestType.HELP: 10,
    RequestType.SUGGESTION: 10,
    RequestType.COMPLAINT: 15,
    RequestType.REPORT: 15,
    RequestType.PRAISE: 10,
}
DEFAULT_RESPONSE_DAYS = 1
DEFAULT_URGENT_HOURS = 4
DEFAULT_YELLOW_FRACTION = 0.8


@dataclass
class Deadlines:
    response_due_at: dt.datetime
    due_at: dt.datetime
    yellow_at: dt.datetime
    flag: str  # empty, or why the deadline is an estimate


def _load_policies() -> dict[str, dict[int | None, DeadlinePolicy]]:
    out: dict[str, dict[int | None, DeadlinePolicy]] = {}
    for p in DeadlinePolicy.objects.all():
        out.setdefault(p.request_type, {})[p.category_id] = p
    return out


# This process's copy of the policies (every dispatch reads them); bumped by their saves (apps.py).
policy_snapshot = SharedSnapshot("deadline-policies", _load_policies, check_setting="ROUTING_CHECK_SECONDS")


def bump_policies(**kwargs) -> None:
    policy_snapshot.bump()


def policy_for(case: Case) -> tuple[int, int, int | None, float]:
    """(working_days, response_days, urgent_hours or None, yellow_fraction)."""
    lineage = case.category.lineage() if case.category_id else []
    policies = policy_snapshot.get().get(case.request_type, {})
    policy = next((policies[c.id] for c in lineage if c.id in policies), policies.get(None))
    urgent = any(c.is_urgent for c in lineage)
    if policy is None:
        return (
            DEFAULT_DAYS.get(case.request_type, 15),
            DEFAULT_RESPONSE_DAYS,
            DEFAULT_URGENT_HOURS if urgent else None,
            DEFAULT_YELLOW_FRACTION,
        )
    hours = policy.urgent_hours or (DEFAULT_URGENT_HOURS if urgent else None)
    return policy.working_days, policy.response_days, hours, policy.yellow_fraction


def _flag(missing: set[int]) -> str:
    if not missing:
        return ""
    years = "、".join(str(y) for y in sorted(missing))
    return _("时限跨越 %(years)s 年，该年节假日尚未录入，时限按估算，请管理员补录节假日。") % {"years": years}


def compute(case: Case, start: dt.datetime) -> Deadlines:
    """Due dates counted from `start` (the dispatch). The yellow card comes when `fraction` of the
    working time is used: whole working days where there are enough of them, else a share of the span."""
    days, response_days, hours, fraction = policy_for(case)
    response = workdays.add_working_days(start, response_days)
    if hours:
        due = workdays.add_working_hours(start, hours)
        yellow_at = workdays.add_working_hours(start, hours * fraction).due
    else:
        due = workdays.add_working_days(start, days)
        yellow_days = int(days * fraction)
        if yellow_days >= 1:
            yellow_at = workdays.add_working_days(start, yellow_days).due
        else:
            yellow_at = start + (due.due - start) * fraction
    missing = set(response.missing_years) | set(due.missing_years)
    return Deadlines(response.due, due.due, yellow_at, _flag(missing))


def extend(case: Case, days: int) -> tuple[dt.datetime, str]:
    result = workdays.extend_due(case.due_at, days)
    return result.due, _flag(set(result.missing_years))


def extend_moment(moment: dt.datetime, days: int) -> dt.datetime:
    return workdays.extend_due(moment, days).due


def shift_for_pause(case: Case, paused_from: dt.datetime, paused_to: dt.datetime) -> tuple[dict, str]:
    """New due/yellow/response times after a suspension: the working time lost is given back."""
    out, missing = {}, set()
    for field in ("due_at", "yellow_at", "response_due_at"):
        value = getattr(case, field)
        if value is None or (field == "response_due_at" and case.signed_at):
            continue
        result = workdays.shift_for_pause(value, paused_from, paused_to)
        out[field] = result.due
        missing |= set(result.missing_years)
    return out, _flag(missing)
