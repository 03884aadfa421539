"""Reads of cases: who may read which case, lists with filters, one case, its timeline.

Two scope rules, side by side on purpose (they differ by design):
- **read** (`readable_cases`, `desk_cases` below): what a person may open, on any page or in the API.
  A unit reads the cases it leads and those it assists; a dispatcher and a grid worker their area; a
  leader their area; a resident their own cases; operators, auditors and admins every case.
- **act** (`guard_scope` / `can_act_on` below, checked by every move): a unit acts only on cases it
  leads (an assisting unit reads but does not sign or reply); a dispatcher and a grid worker inside
  their area; a resident on their own case (or one whose phone they proved with a code).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import get_index
from yiwang.geo.models import Area, Level
from yiwang.security.masking import mask_personal_text

from . import error_codes as codes
from .models import CLOCK_STATUSES, SYSTEM, Case, CaseEvent

# A search longer than this is cut: no title is longer, and SQLite refuses LIKE patterns past 50,000 bytes.
SEARCH_MAX_CHARS = 200

# What a case page needs of its relations, fetched with the case.
CASE_RELATED = ("category__parent__parent", "grid", "community", "town", "district", "lead_unit", "parent")


# --------------------------------------------------------------------------- act scope
def _area_covers(area_id: int | None, case: Case) -> bool:
    """Whether the area (by id; its level from the geography snapshot, no query) holds the case."""
    if area_id is None:
        return False
    ref = get_index().refs.get(area_id)
    if ref is None:
        return False
    if ref.level == Level.CITY:
        return True
    target = {
        Level.DISTRICT: case.district_id,
        Level.TOWN: case.town_id,
        Level.COMMUNITY: case.community_id,
        Level.GRID: case.grid_id,
    }.get(ref.level)
    return target == area_id


def can_act_on(actor, case: Case) -> bool:
    """Whether `actor` (services.Actor) may make moves on `case`: its own unit, area, grid or case."""
    user, role = actor.user, actor.role
    if role in (SYSTEM, Role.ADMIN):
        return True
    if role in (Role.HANDLER, Role.UNIT_LEADER):
        return user.unit_id is not None and user.unit_id == case.lead_unit_id
    if role == Role.DISPATCHER:
        return user.area_id is None or _area_covers(user.area_id, case)
    if role == Role.GRIDWORKER:
        return _area_covers(user.area_id, case)
    if role == Role.RESIDENT:
        return (user is not None and case.requester_user_id is not None and case.requester_user_id == user.pk) or (
            bool(actor.verified_phone) and actor.verified_phone == case.requester_phone
        )
    return True


def guard_scope(case: Case, action: str, actor) -> None:
    """Each role acts only inside its own scope (its unit, its area, its grid, its own case)."""
    if not can_act_on(actor, case):
        raise ApplicationError(codes.OUT_OF_SCOPE, _("该诉求件不在您的职责范围内。"), status=403)


# --------------------------------------------------------------------------- read scope
def area_q(area: Area | None) -> Q:
    """Cases inside `area` (any level); the whole city, or no area at all, means every case."""
    if area is None or area.level == Level.CITY:
        return Q()
    field = {
        Level.DISTRICT: "district",
        Level.TOWN: "town",
        Level.COMMUNITY: "community",
        Level.GRID: "grid",
    }[area.level]
    return Q(**{field: area})


def desk_cases(*, user) -> QuerySet[Case]:
    """Every case this staff member may open on their desk."""
    qs = Case.objects.select_related(*CASE_RELATED)
    role = user.role
    if role in (Role.ADMIN, Role.OPERATOR, Role.LEADER, Role.AUDITOR):
        return qs
    if role == Role.DISPATCHER:
        return qs.filter(area_q(user.area))
    if role in (Role.HANDLER, Role.UNIT_LEADER):
        if user.unit_id is None:
            return qs.none()
        return qs.filter(Q(lead_unit_id=user.unit_id) | Q(assisting_units=user.unit_id)).distinct()
    if role == Role.GRIDWORKER:
        if user.area_id is None:
            return qs.none()
        return qs.filter(area_q(user.area))
    return qs.none()


def readable_cases(user) -> QuerySet[Case]:
    """Every case this person may read anywhere (pages and API): a resident their own; a dispatcher
    their command centre's area, a unit its cases, a grid worker their grid (as on their desks); a
    leader their area; operators, auditors and admins every case."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    if user.role == Role.RESIDENT:
        return Case.objects.filter(requester_user=user)
    if user.role == Role.LEADER:
        return Case.objects.filter(area_q(user.area)) if user.area_id else Case.objects.none()
    return desk_cases(user=user)


def can_read_case(user, case: Case) -> bool:
    """`readable_cases` for one loaded case, decided in memory (one query only for an assisting unit)."""
    if not getattr(user, "is_authenticated", False):
        return False
    role = user.role
    if role in (Role.ADMIN, Role.OPERATOR, Role.AUDITOR):
        return True
    if role == Role.RESIDENT:
        return case.requester_user_id is not None and case.requester_user_id == user.pk
    if role in (Role.LEADER, Role.GRIDWORKER):
        return _area_covers(user.area_id, case)
    if role == Role.DISPATCHER:
        return user.area_id is None or _area_covers(user.area_id, case)
    if role in (Role.HANDLER, Role.UNIT_LEADER):
        if user.unit_id is None:
            return False
        return case.lead_unit_id == user.unit_id or case.assisting_units.filter(pk=user.unit_id).exists()
    return False


def case_get(*, number: str) -> Case:
    case = (
        Case.objects.select_related(*CASE_RELATED)
        .filter(number=number)
        .first()
    )
    if case is None:
        raise ApplicationError(
            codes.CASE_NOT_FOUND, _("找不到编号为 %(n)s 的诉求件。") % {"n": number}, status=404
        )
    return case


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("seq")


# Roles that read cases without working them: the personal data typed into a case's free text (a phone
# in the description, a house number in a reply) is masked for them, as for the public.
MASKED_TEXT_ROLES = (Role.LEADER, Role.AUDITOR)


def reads_masked_text(user) -> bool:
    return getattr(user, "role", None) in MASKED_TEXT_ROLES


def masked_case_text(case: Case, text: str) -> str:
    return mask_personal_text(text, names=(case.requester_name,))


def with_text_masked(case: Case) -> Case:
    """The case for a masked reader's page: its free texts masked on this instance (never saved)."""
    for name in ("title", "text", "reply_text", "address"):
        setattr(case, name, masked_case_text(case, getattr(case, name) or ""))
    case.save = None  # a masked copy must never be written back
    return case


# What a requester sees of the timeline (the portal's page and the API): the steps that tell them
# where their request is, with the time; never who at the centre made them or the staff's notes.
PUBLIC_ACTIONS = frozenset(
    "create accept reject answer merge dispatch redispatch sign reply check verify reopen close rate suspend "
    "resume extend supplement".split()
)
# The only reasons a requester reads (the others are the staff's working notes).
PUBLIC_REASONS = frozenset({"reject", "reopen"})


def public_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    return case_events(case=case).filter(action__in=PUBLIC_ACTIONS)


def case_list(
    *,
    status: list[str] | None = None,
    category: str | None = None,
    area: str | None = None,
    unit: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    requester_user=None,
) -> QuerySet[Case]:
    qs = Case.objects.select_related("category", "grid", "district", "town", "lead_unit")
    if status:
        qs = qs.filter(status__in=status)
    if category:
        qs = qs.filter(
            Q(category__code=category)
            | Q(category__parent__code=category)
            | Q(category__parent__parent__code=category)
        )
    if area:
        qs = qs.filter(
            Q(grid__code=area)
            | Q(community__code=area)
            | Q(town__code=area)
            | Q(district__code=area)
            | Q(district__parent__code=area)
        )
    if unit:
        qs = qs.filter(Q(lead_unit__code=unit) | Q(assisting_units__code=unit)).distinct()
    if since:
        qs = qs.filter(received_at__date__gte=since)
    if until:
        qs = qs.filter(received_at__date__lte=until)
    if overdue is True:
        qs = qs.filter(status__in=CLOCK_STATUSES, due_at__lt=clock.now())
    if q:
        from .text import normalize_text

        q = q[:SEARCH_MAX_CHARS]
        term = normalize_text(q)
        qs = qs.filter(Q(number=q) | Q(title__icontains=q) | Q(text_normalized__icontains=term))
    if requester_user is not None:
        qs = qs.filter(requester_user=requester_user)
    return qs.order_by("-received_at")
