"""Progress arithmetic of an indicator and a unit's reporting (definitions: docs/measures.md,
"Programmes' tracking"). Pure functions of the figures and dates, so the page, the API, the XLSX
export and the tests compute the same thing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .models import Direction

ACHIEVED, ON_TRACK, BEHIND, NO_DATA = "achieved", "on_track", "behind", "no_data"
BETTER, WORSE, FLAT = "better", "worse", "flat"


def target_share(*, baseline: Decimal, target: Decimal, value: Decimal) -> float:
    """How much of the way from the baseline to the target `value` has come: 0 at the baseline, 1 at
    the target. The same formula serves both directions (a "down" indicator has target < baseline).
    Below 0 when the value moved away from the target; above 1 past it."""
    span = target - baseline
    if span == 0:
        return 1.0
    return float((value - baseline) / span)


def planned_share(*, baseline_date: dt.date, target_date: dt.date, on: dt.date) -> float:
    """The linear plan: 0 at the baseline date, 1 at the target date, clipped to 0..1."""
    total = (target_date - baseline_date).days
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (on - baseline_date).days / total))


@dataclass(frozen=True)
class IndicatorProgress:
    value: Decimal | None  # the latest approved value
    period: str  # its period
    as_of: dt.date | None  # its period's last day
    share: float | None  # of the way from baseline to target
    planned: float | None  # the linear plan's share on as_of
    planned_value: Decimal | None
    status: str  # achieved | on_track | behind | no_data
    previous: Decimal | None  # the approved value of the period before
    change: Decimal | None  # value - previous
    trend: str  # better | worse | flat | "" (fewer than two approved values)

    @property
    def bar(self) -> int:
        """The share as a whole percentage for a progress bar (0..100)."""
        return 0 if self.share is None else round(min(1.0, max(0.0, self.share)) * 100)


def indicator_progress(
    *, baseline: Decimal, target: Decimal, baseline_date: dt.date, target_date: dt.date, direction: str,
    approved: list[tuple[dt.date, str, Decimal]],
) -> IndicatorProgress:
    """`approved`: (period end, period key, value) of the approved reports, in any order."""
    if not approved:
        return IndicatorProgress(None, "", None, None, None, None, NO_DATA, None, None, "")
    ordered = sorted(approved, key=lambda r: r[0])
    as_of, period, value = ordered[-1]
    share = target_share(baseline=baseline, target=target, value=value)
    planned = planned_share(baseline_date=baseline_date, target_date=target_date, on=as_of)
    planned_value = baseline + (target - baseline) * Decimal(str(round(planned, 6)))
    if share >= 1:
        status = ACHIEVED
    elif share >= planned - 1e-9:
        status = ON_TRACK
    else:
        status = BEHIND
    previous = ordered[-2][2] if len(ordered) > 1 else None
    change = value - previous if previous is not None else None
    trend = ""
    if change is not None:
        if change == 0:
            trend = FLAT
        else:
            trend = BETTER if (change > 0) == (direction == Direction.UP) else WORSE
    return IndicatorProgress(value, period, as_of, share, planned, planned_value, status, previous, change, trend)


def on_time_rate(*, due: int, on_time: int) -> float | None:
    """Reports first submitted by their deadline / reports whose deadline has passed."""
    return on_time / due if due else None


def status_labels() -> dict[str, str]:
    return {ACHIEVED: _("已达标"), ON_TRACK: _("进度正常"), BEHIND: _("进度滞后"), NO_DATA: _("暂无数据")}


def trend_labels() -> dict[str, str]:
    return {BETTER: _("向好"), WORSE: _("变差"), FLAT: _("持平"), "": "—"}
