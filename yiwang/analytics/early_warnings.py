"""Early warnings 未诉先办: a category in a town rising well above its own baseline.

For every (town, category cut at level 2) the scan compares the cases received in the last
WINDOW days (the day scanned included) with the same series' BASELINE days before that window:

- expected = the baseline's mean per window (baseline total x WINDOW / BASELINE), floored at
  FLOOR so that a category that is usually silent needs several cases to stand out;
- the baseline's week-to-week variance, when it exceeds the mean, widens the test (a negative
  binomial with that mean and variance instead of a Poisson): categories that are bursty anyway
  alarm less;
- an alert when observed >= MIN_CASES, observed >= RATIO x expected, and the chance of seeing at
  least that many under the baseline is below ALPHA.

One alert per (town, category) while it lasts: no new alert while one raised in the last WINDOW
days exists. The alert lists the cases received in the window and goes to the leaders of that
town (else of its district, else of the city): on the cockpit, and by SMS or email through the
notify outbox when they have a phone or an address. `detect` is a pure function of the counts,
so the benchmark measures exactly what runs (bench/measures.py --part warnings).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from scipy import stats

from yiwang.accounts.models import Role, User
from yiwang.cases.models import Case
from yiwang.core import clock
from yiwang.geo.models import Area
from yiwang.notify.delivery import channel_enabled
from yiwang.notify.models import Outbox
from yiwang.notify.services import deliver_after_commit
from yiwang.routing.models import Category
from yiwang.workdays.snapshot import current_schedule

from .intake import category_levels, local_today
from .models import Alert, IntakeDay

WINDOW = 7
BASELINE = 56
MIN_CASES = 5
RATIO = 2.0
ALPHA = 1e-4
FLOOR = 1.0


@dataclass(frozen=True)
class Rise:
    observed: int
    expected: float
    p_value: float


def detect(window: np.ndarray, baseline: np.ndarray) -> Rise | None:
    """Is the window's total well above the baseline? `baseline` is the BASELINE daily counts before
    the window, oldest first; `window` the WINDOW daily counts."""
    observed = int(window.sum())
    if observed < MIN_CASES:
        return None
    weeks = baseline.reshape(-1, WINDOW).sum(axis=1) if baseline.size % WINDOW == 0 else None
    mean = baseline.sum() * WINDOW / max(baseline.size, 1)
    expected = max(float(mean), FLOOR)
    if observed < RATIO * expected:
        return None
    variance = float(weeks.var(ddof=1)) if weeks is not None and weeks.size > 1 else 0.0
    if variance > expected:
        n = expected * expected / (variance - expected)
        p = stats.nbinom.sf(observed - 1, n, n / (n + expected))
    else:
        p = stats.poisson.sf(observed - 1, expected)
    p = float(p)
    return Rise(observed, expected, p) if p < ALPHA else None


def _series(day: dt.date) -> dict[tuple[int, int], np.ndarray]:
    """{(town id, category id): daily counts over BASELINE + WINDOW days ending with `day`}."""
    first = day - dt.timedelta(days=BASELINE + WINDOW - 1)
    span = BASELINE + WINDOW
    out: dict[tuple[int, int], np.ndarray] = {}
    rows = (
        IntakeDay.objects.filter(day__gte=first, day__lte=day)
        .exclude(town_id=0)
        .exclude(category_id=0)
        .values_list("town_id", "category_id", "day", "received")
    )
    for town, category, d, n in rows.iterator(chunk_size=20000):
        series = out.get((town, category))
        if series is None:
            series = out[(town, category)] = np.zeros(span, dtype=np.int64)
        series[(d - first).days] += n
    return out


def leaders_for(area: Area) -> list[User]:
    """The leaders of the area, else of the nearest area above it that has some."""
    node = area
    while node is not None:
        people = list(User.objects.filter(role=Role.LEADER, area=node, is_active=True))
        if people:
            return people
        node = node.parent
    return []


def _cases_behind(town_id: int, category_id: int, start: dt.date, end: dt.date) -> list[int]:
    tz = current_schedule().tz
    levels = category_levels()
    ids = [c for c, (first, second) in levels.items() if second == category_id or c == category_id]
    lo = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return list(
        Case.objects.filter(town_id=town_id, category_id__in=ids, received_at__gte=lo, received_at__lt=hi)
        .order_by("received_at")
        .values_list("id", flat=True)[:500]
    )


def alert_text(alert: Alert) -> str:
    return _("预警：%(area)s「%(cat)s」近 %(w)s 天受理 %(n)s 件，基线约 %(e)s 件，请关注并提前处置。") % {
        "area": alert.area.name,
        "cat": alert.category.display_name,  # in the reader's language, like the rest of the text
        "w": WINDOW,
        "n": alert.observed,
        "e": f"{alert.expected:.1f}",
    }


def _notify(alert: Alert, people: list[User]) -> None:
    """Write the alert to the notify outbox for each leader with a phone or an email address."""
    ids = []
    for user in people:
        with translation.override(user.language or "zh-hans"):
            body = alert_text(alert)
            subject = _("未诉先办预警")
        for channel, recipient in (("sms", user.phone), ("email", user.email)):
            if recipient and channel_enabled(channel):
                row = Outbox.objects.create(
                    user=user,
                    channel=channel,
                    recipient=recipient,
                    kind="alert",
                    language=user.language or "zh-hans",
                    subject=subject,
                    body=body,
                )
                ids.append(row.id)
    if ids:
        transaction.on_commit(lambda: deliver_after_commit(ids))


def warnings_scan(*, day: dt.date | None = None) -> list[Alert]:
    """Scan every (town, category) series ending with `day` (default: today); raise new alerts."""
    day = day or local_today()
    series = _series(day)
    recent = set(
        Alert.objects.filter(day__gt=day - dt.timedelta(days=WINDOW), day__lte=day).values_list(
            "area_id", "category_id"
        )
    )
    found = []
    for (town, category), counts in series.items():
        if (town, category) in recent:
            continue
        rise = detect(counts[BASELINE:], counts[:BASELINE])
        if rise is not None:
            found.append((town, category, rise))
    if not found:
        return []
    areas = Area.objects.in_bulk([t for t, _, _ in found])
    categories = Category.objects.in_bulk([c for _, c, _ in found])
    alerts = []
    start = day - dt.timedelta(days=WINDOW - 1)
    for town, category, rise in found:
        if town not in areas or category not in categories:
            continue
        with transaction.atomic():
            alert = Alert.objects.create(
                area=areas[town],
                category=categories[category],
                day=day,
                window_start=start,
                observed=rise.observed,
                expected=rise.expected,
                p_value=rise.p_value,
                case_ids=_cases_behind(town, category, start, day),
                created_at=clock.now(),
            )
            people = leaders_for(alert.area)
            alert.notified = [u.username for u in people]
            alert.save(update_fields=["notified"])
            _notify(alert, people)
        alerts.append(alert)
    return alerts
