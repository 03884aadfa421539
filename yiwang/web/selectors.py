"""Reads for the workbench pages: each desk's queues, a case as a desk may see it, look-ups.

Scope is the read scope of `yiwang.cases.selectors` (`desk_cases`, `area_q`): a dispatcher their area,
a unit its own cases (and those it assists), a grid worker their grid.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case as DbCase
from django.db.models import Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from yiwang.accounts.models import Role
from yiwang.cases.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    Card,
    Case,
    Channel,
    Status,
    requester_phone_digest,
)
from yiwang.cases.selectors import (  # the read scope lives with the cases
    CASE_RELATED,
    case_events,
    desk_cases,
)
from yiwang.cases.text import normalize_text
from yiwang.core import clock
from yiwang.geo.locate import box_around, grid_ids_near, parse_coordinates
from yiwang.intake import validators
from yiwang.intake.duplicates import distance_m
from yiwang.intake.models import Attachment
from yiwang.intake.selectors import duplicate_candidates
from yiwang.open311.payloads import COORDINATE_DECIMALS
from yiwang.open311.selectors import reviewed
from yiwang.security.masking import mask_personal_text

from .models import SameProblem

log = logging.getLogger(__name__)

# The reason a grid worker's fix on the spot carries on its acceptance (see services.patrol_report).
SELF_FIX_MARK = "【自行处置】"
# The reason a requester's appeal carries on its reopening (see services.case_appeal).
APPEAL_MARK = "【群众申诉】"



# --------------------------------------------------------------------------- scope
def desk_case(*, user, number: str) -> Case:
    case = desk_cases(user=user).filter(number=number).first()
    if case is None:
        raise Http404(number)
    return case


# --------------------------------------------------------------------------- dispatcher
@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    cases: QuerySet


def dispatch_queues(*, user) -> list[Queue]:
    """The dispatcher's queues, in the order of the tabs. A case may sit in more than one."""
    from django.utils.translation import gettext_lazy as _

    from .models import CoHandlingRequest

    base = desk_cases(user=user)
    threshold = getattr(settings, "AUTO_DISPATCH_THRESHOLD", 0.8)
    new = base.filter(status__in=(Status.RECEIVED, Status.ACCEPTED))
    self_fixed = new.filter(
        channel=Channel.PATROL, events__action="accept", events__reason__startswith=SELF_FIX_MARK
    )
    low = new.filter(Q(category__isnull=True) | Q(category_confidence__lt=threshold))
    pending_assist = CoHandlingRequest.objects.filter(decided_at__isnull=True).values("case_id")
    return [
        Queue("new", _("新件"), new.exclude(pk__in=self_fixed.values("pk")).order_by("received_at")),
        Queue("low", _("分类待确认"), low.exclude(pk__in=self_fixed.values("pk")).order_by("received_at")),
        Queue("returned", _("退回待审"), base.filter(status=Status.RETURNED).order_by("updated_at")),
        Queue(
            "extension",
            _("延期申请"),
            base.filter(extension_requested_days__isnull=False, status__in=OPEN_STATUSES).order_by("due_at"),
        ),
        Queue("assist", _("协办申请"), base.filter(pk__in=pending_assist).order_by("due_at")),
        Queue(
            "yellow", _("黄牌"), base.filter(card=Card.YELLOW, status__in=OPEN_STATUSES).order_by("due_at")
        ),
        Queue("red", _("红牌"), base.filter(card=Card.RED, status__in=OPEN_STATUSES).order_by("due_at")),
        Queue("replied", _("待办结"), base.filter(status=Status.REPLIED).order_by("replied_at")),
        Queue("selffix", _("自行处置待确认"), self_fixed.order_by("received_at")),
    ]


# --------------------------------------------------------------------------- unit
UNIT_TODO = (Status.DISPATCHED, Status.IN_PROGRESS, Status.SUSPENDED, Status.RETURNED)
UNIT_STATUS_FILTERS = {"": UNIT_TODO, "finished": (Status.CLOSED, Status.RATED), "all": None}


@dataclass(frozen=True)
class UnitFilters:
    q: str = ""  # a case number, or words of its title, text, address or area
    status: str = ""  # "" = the to-do list; a status; "finished"; "all"
    deadline: str = ""  # "" | overdue | soon (the yellow-card moment passed) | ontime
    category: str = ""  # a category code: it and the categories under it


def unit_cases(*, user, filters: UnitFilters = UnitFilters(), at=None) -> QuerySet[Case]:
    """The unit's own cases by urgency: overdue first, then the soonest due; undated last. Without
    filters, its to-do list (the cases not yet replied to).

    The search is a LIKE scan within the unit's cases (indexed by lead_unit and status): fine for the
    few thousand a unit has; a city's busiest bureau wants the full-text index the knowledge base
    wants too."""
    if user.role == Role.ADMIN:
        qs = Case.objects.select_related(*CASE_RELATED).filter(lead_unit__isnull=False)
    elif user.unit_id is None:
        return Case.objects.none()
    else:
        qs = Case.objects.select_related(*CASE_RELATED).filter(lead_unit_id=user.unit_id)
    statuses = UNIT_STATUS_FILTERS.get(filters.status, (filters.status,))
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    q = (filters.q or "").strip()
    if q:
        qs = qs.filter(
            Q(number=q) | Q(title__icontains=q) | Q(text__icontains=q) | Q(address__icontains=q)
            | Q(district__name__icontains=q) | Q(town__name__icontains=q) | Q(community__name__icontains=q)
            | Q(grid__name__icontains=q)
        )
    if filters.deadline:
        at = at or clock.now()
        running = Q(status__in=CLOCK_STATUSES)
        qs = qs.filter(
            {
                "overdue": running & Q(due_at__lt=at),
                "soon": running & Q(due_at__gte=at, yellow_at__lte=at),
                "ontime": running & Q(due_at__gte=at) & (Q(yellow_at__gt=at) | Q(yellow_at__isnull=True)),
            }.get(filters.deadline, Q(pk__in=[]))
        )
    if filters.category:
        code = filters.category
        qs = qs.filter(Q(category__code=code) | Q(category__parent__code=code) | Q(category__parent__parent__code=code))
    return qs.order_by(F("due_at").asc(nulls_last=True), "received_at", "pk")


def unit_waiting(*, user) -> QuerySet[Case]:
    """Replied cases of the unit waiting for verification or closure (nothing to do, worth seeing)."""
    if user.unit_id is None:
        return Case.objects.none()
    return (
        Case.objects.select_related(*CASE_RELATED)
        .filter(lead_unit_id=user.unit_id, status__in=(Status.REPLIED, Status.VERIFYING))
        .order_by("-replied_at")
    )


def unit_assisting(*, user) -> QuerySet[Case]:
    if user.unit_id is None:
        return Case.objects.none()
    return (
        Case.objects.select_related(*CASE_RELATED)
        .filter(assisting_units=user.unit_id, status__in=OPEN_STATUSES)
        .order_by(F("due_at").asc(nulls_last=True))
    )


# --------------------------------------------------------------------------- grid worker
def grid_tasks(*, user) -> dict[str, QuerySet[Case]]:
    base = desk_cases(user=user)
    return {
        "verify": base.filter(status=Status.VERIFYING).order_by("replied_at"),
        "open": base.filter(status__in=OPEN_STATUSES)
        .exclude(status=Status.VERIFYING)
        .order_by("-received_at"),
        "mine": Case.objects.select_related(*CASE_RELATED)
        .filter(channel=Channel.PATROL, events__action="create", events__actor=user)
        .order_by("-received_at"),
    }


# --------------------------------------------------------------------------- look-ups
def case_photos(case: Case) -> list[dict]:
    """The case's stored photos (attachment entries with an address), each with `public`: whether a
    dispatcher approved it for the public feed (Open311)."""
    photos = [a for a in (case.attachments or []) if isinstance(a, dict) and a.get("url")]
    if not photos:
        return []
    public = set(
        Attachment.objects.filter(case=case, public_approved_at__isnull=False).values_list("token", flat=True)
    )
    return [{**a, "public": a.get("token") in public} for a in photos]


def _legacy_photo_note(prefix: str) -> re.Pattern:
    # Before the verify move recorded its photos' tokens, the desk appended "现场照片: URL URL" to the note.
    return re.compile(rf"\n?[^\n:：]{{0,20}}[:：]\s*((?:{re.escape(prefix)}\S+\s*)+)$")


def case_timeline(case: Case) -> list:
    """The case's events in order, each with `photos`: the attachment entries of the photos its move
    recorded (a verification's, by token), shown as thumbnails instead of addresses in the note. Only
    photos bound to this case are shown, so a token typed into a move cannot show another case's."""
    events = list(case_events(case=case).select_related("actor__unit", "actor__area"))
    prefix = settings.MEDIA_URL + "attachments/"
    legacy = _legacy_photo_note(prefix)
    wanted: dict[int, tuple[list[str], list[str]]] = {}
    for e in events:
        e.photos = []
        tokens = [t for t in (e.payload or {}).get("photos") or [] if isinstance(t, str)]
        files = []
        found = legacy.search(e.reason or "") if prefix in (e.reason or "") else None
        if found:
            files = [u[len(settings.MEDIA_URL):] for u in found.group(1).split()]
            e.reason = e.reason[: found.start()].strip()  # shown without the addresses (never saved)
        if tokens or files:
            wanted[e.pk] = (tokens, files)
    if wanted:
        tokens = {t for ts, _ in wanted.values() for t in ts}
        files = {f for _, fs in wanted.values() for f in fs}
        rows = Attachment.objects.filter(case=case).filter(Q(token__in=tokens) | Q(file__in=files))
        by_token = {a.token: a.as_entry() for a in rows}
        by_file = {entry["url"][len(settings.MEDIA_URL):]: entry for entry in by_token.values()}
        for e in events:
            if e.pk in wanted:
                ts, fs = wanted[e.pk]
                e.photos = [by_token[t] for t in ts if t in by_token] + [by_file[f] for f in fs if f in by_file]
    return events


def _terms(q: str) -> list[str]:
    return [t for t in normalize_text(q or "").replace("，", " ").replace(",", " ").split() if t][:6]


def caller_cases(*, phone: str, limit: int = 20) -> QuerySet[Case]:
    """A caller's earlier cases, by the phone number they give (normalised as intake stores it, then
    matched by its keyed digest: the column itself is encrypted)."""
    phone = (phone or "").strip()
    if len(phone) < 5:
        return Case.objects.none()
    try:
        phone = validators.parse_phone(phone).normalized
    except validators.Invalid:
        pass  # look it up as typed
    return (
        Case.objects.select_related(*CASE_RELATED)
        .filter(requester_phone_digest=requester_phone_digest(phone))
        .order_by("-received_at")[:limit]
    )


ANSWERED_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.RATED)


def knowledge_base(*, q: str, limit: int = 8) -> list[Case]:
    """Past replies matching every keyword, from finished cases (the hotline's knowledge base).

    A LIKE scan: fine for a district pilot; a city wants a full-text index (PostgreSQL tsvector)."""
    terms = _terms(q)
    if not terms:
        return []
    qs = Case.objects.select_related("category").filter(status__in=ANSWERED_STATUSES).exclude(reply_text="")
    for term in terms:
        qs = qs.filter(Q(text_normalized__icontains=term) | Q(reply_text__icontains=term))
    # Answers the requester was satisfied with first: they are the ones worth reusing.
    rank = DbCase(
        When(satisfaction="satisfied", then=Value(0)),
        When(satisfaction="basically_satisfied", then=Value(1)),
        When(satisfaction="unsatisfied", then=Value(3)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(qs.order_by(rank, F("closed_at").desc(nulls_last=True))[:limit])


@dataclass(frozen=True)
class Duplicate:
    case: Case
    score: float | None
    distance_m: float | None = None
    same_spot: bool = False


def duplicates(*, case: Case, limit: int = 5) -> list[Duplicate]:
    """The likely duplicates of `case` (`yiwang.intake.selectors.duplicate_candidates`), best first."""
    try:
        found = duplicate_candidates(case=case, limit=limit)
    except Exception:  # noqa: BLE001 - a failing helper must not take the dispatcher's page down
        log.exception("duplicate_candidates failed for %s", case.number)
        return []
    cases = Case.objects.in_bulk([c.number for c in found], field_name="number")  # one query, not one each
    return [
        Duplicate(cases[c.number], c.score, c.distance_m, c.same_spot)
        for c in found
        if c.number in cases and cases[c.number].pk != case.pk
    ]


# --------------------------------------------------------------------------- the requester's progress
@dataclass(frozen=True)
class Step:
    label: str
    words: str  # what the step means, in plain words
    state: str  # done | current | todo


# The five steps a requester follows, each with the statuses that stand at it.
REQUESTER_STEPS = (
    ((Status.RECEIVED,), gettext_lazy("已收到"), gettext_lazy("我们已收到您的诉求，工作人员会尽快查看。")),
    ((Status.ACCEPTED,), gettext_lazy("已受理"), gettext_lazy("工作人员已确认受理，正在安排负责的单位。")),
    ((Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED, Status.SUSPENDED), gettext_lazy("办理中"),
     gettext_lazy("负责的单位正在办理。")),
    ((Status.REPLIED, Status.VERIFYING), gettext_lazy("已答复"), gettext_lazy("单位已答复，正在核实办理结果。")),
    ((Status.CLOSED, Status.ANSWERED, Status.RATED), gettext_lazy("已办结"), gettext_lazy("办理完成，欢迎您评价。")),
)


def requester_steps(case: Case) -> list[Step]:
    """Where the requester's case stands, as five plain steps (none for a rejected or merged case)."""
    at = next((i for i, step in enumerate(REQUESTER_STEPS) if case.status in step[0]), None)
    if at is None:
        return []
    return [
        Step(str(label), str(words), "done" if i < at else "current" if i == at else "todo")
        for i, (_statuses, label, words) in enumerate(REQUESTER_STEPS)
    ]


def requester_step_label(status: str) -> str:
    """The status as the requester's step names it (已受理, 办理中, …), in plain words."""
    return next((str(label) for statuses, label, _words in REQUESTER_STEPS if status in statuses), "")


def rounded_point(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    """A case's point as the public feed gives it (Open311: 3 decimals, about 100 m): the street,
    not the door."""
    if lon is None or lat is None:
        return None
    return round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)


# --------------------------------------------------------------------------- nearby open reports
NEARBY_RADIUS_M = 300  # FixMyStreet shows the reports around the pin before a new one is made
NEARBY_LIMIT = 5
NEARBY_POOL = 200  # newest open cases read around the point before the nearest are kept
ROUNDING_SLACK_M = 80  # a rounded point lies at most ~75 m from the true one (half of 0.001° both ways)


@dataclass(frozen=True)
class Nearby:
    """An open case near a point as the public may see it: nothing of its requester."""

    number: str
    title: str  # masked (security.masking.mask_personal_text)
    status: str  # the requester's step, in plain words
    distance_m: int  # from the rounded point, to 10 m
    received_on: dt.date
    same_count: int  # visitors who said it is their problem too
    mine: bool  # the signed-in resident filed it


def nearby_cases_q() -> QuerySet[Case]:
    """The cases the nearby list may show: open (not closed, rejected, answered or merged) and
    reviewed by the centre, the Open311 feed's publication rule (open311.selectors.reviewed)."""
    return Case.objects.filter(status__in=OPEN_STATUSES, parent__isnull=True).filter(reviewed())


def nearby_open_cases(
    *, lon, lat, radius_m: int = NEARBY_RADIUS_M, limit: int = NEARBY_LIMIT, user=None
) -> list[Nearby]:
    """Up to `limit` open, reviewed cases within `radius_m` of (lon, lat), nearest first. Distances
    are measured to each case's rounded point, so the list tells no more of where a case is than
    the public feed does. Raises ApplicationError for coordinates that are not a point in China."""
    x, y = parse_coordinates(lon, lat)
    reach = radius_m + ROUNDING_SLACK_M
    west, south, east, north = box_around(x, y, reach)
    qs = nearby_cases_q().filter(lon__range=(west, east), lat__range=(south, north))
    grids = grid_ids_near(x, y, reach)
    if grids is not None:  # through the cases' grid index, not a scan of every open case's point
        qs = qs.filter(grid_id__in=grids)
    rows = list(
        qs.order_by("-received_at").values(
            "pk", "number", "title", "status", "lon", "lat", "received_at", "requester_name", "requester_user_id"
        )[:NEARBY_POOL]
    )
    near = []
    for row in rows:
        px, py = rounded_point(row["lon"], row["lat"])
        metres = distance_m(x, y, px, py)
        if metres <= radius_m:
            near.append((metres, row))
    near.sort(key=lambda m_row: (m_row[0], -m_row[1]["received_at"].timestamp()))
    near = near[: max(0, limit)]
    counts = dict(
        SameProblem.objects.filter(case_id__in=[row["pk"] for _m, row in near])
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    me = user.pk if user is not None and user.is_authenticated else None
    return [
        Nearby(
            number=row["number"],
            title=mask_personal_text(row["title"], names=(row["requester_name"],)),
            status=requester_step_label(row["status"]),
            distance_m=int(round(metres, -1)),
            received_on=timezone.localdate(row["received_at"]),
            same_count=counts.get(row["pk"], 0),
            mine=me is not None and row["requester_user_id"] == me,
        )
        for metres, row in near
    ]


def nearby_case(*, number: str) -> Case:
    """One case a visitor may say is their problem too: one the nearby list could show (else 404,
    as for a number that does not exist)."""
    case = nearby_cases_q().filter(number=number).first()
    if case is None:
        raise Http404(number)
    return case


def same_problem_count(case: Case) -> int:
    return SameProblem.objects.filter(case=case).count()
