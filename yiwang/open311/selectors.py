"""Reads behind the Open311 endpoints: the service list (level-2 categories), one service, cases as
service requests (by id, or filtered in a window), and tokens.

Statuses: Open311 knows only open and closed. A case is open while it is in one of the cases app's
OPEN_STATUSES (received … verifying, incl. returned and suspended) and closed otherwise (rejected,
answered at intake, merged into another case, closed, rated) — see docs/open311.md.

Only reviewed cases are published: a case is reviewed once a person of the hotline centre (an
operator, a dispatcher or an admin) has made a move on it — accepted, answered, refused, merged,
dispatched, supervised, verified or closed it; entering it (create, import) is not reading it. Until
then (just received, or routed by the classifier alone) it is not in the list and its id answers 404,
like a number that does not exist. Photos: only those a
dispatcher approved for publication (intake's Attachment.public_approved_at).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.cases.models import OPEN_STATUSES, Case, CaseEvent, Status
from yiwang.cases.selectors import PUBLIC_ACTIONS
from yiwang.core.errors import ApplicationError
from yiwang.intake.models import Attachment
from yiwang.routing.models import Category

from . import error_codes as codes
from .models import Open311Request, Open311Update
from .params import RequestQuery, UpdateQuery

MAX_RESULTS = 1000  # "Default query limit is … first 1000 requests returned"
SERVICE_LEVEL = 2  # a service is a level-2 category; its level-1 parent is the service's group
# A move by a person of the centre means they have read the case (see the module docstring).
REVIEWER_ROLES = ("operator", "dispatcher", "admin")
NOT_A_REVIEW = ("create", "import", "supplement")  # a supplement is the requester speaking, not a review


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


# FixMyStreet's extended statuses (its Open311 option `extended_statuses`), each of our statuses on
# the one that says honestly where the case is. Without them a client hears only open or closed, and
# FixMyStreet shows every closed request as fixed — a refused or merged one included.
EXTENDED_STATUSES = {
    Status.RECEIVED: "open",  # registered, nobody has looked at it yet
    Status.ACCEPTED: "investigating",  # accepted; the dispatcher is finding the unit
    Status.DISPATCHED: "action_scheduled",  # a unit has it, with a deadline, and has not signed yet
    Status.IN_PROGRESS: "in_progress",  # the unit is handling it
    Status.RETURNED: "investigating",  # the unit sent it back; the dispatcher is finding another
    Status.SUSPENDED: "investigating",  # handling paused for an outside reason (the notes say which)
    Status.REPLIED: "in_progress",  # the unit replied; not closed until checked or closed by the centre
    Status.VERIFYING: "in_progress",  # waiting for the on-site check
    Status.ANSWERED: "closed",  # answered at intake (an enquiry): closed, but nothing was fixed
    Status.REJECTED: "not_councils_responsibility",  # refused: outside what the platform accepts
    Status.MERGED: "duplicate",  # the same request as another case, handled with it
    Status.CLOSED: "fixed",  # handled, and closed after the reply (and the on-site check)
    Status.RATED: "fixed",  # closed and rated by the requester
}
EXTENDED_VALUES = tuple(dict.fromkeys(EXTENDED_STATUSES.values()))


def extended_status(status: str, *, merged: bool = False, solved: bool | None = None) -> str:
    """The extended status. `merged`: a case closed with the case it was merged into stays a
    duplicate; `solved` False: the requester said the problem was not solved, so it is not "fixed"."""
    if status in (Status.CLOSED, Status.RATED):
        if merged:
            return "duplicate"
        if solved is False:
            return "closed"
    return EXTENDED_STATUSES.get(status, "open" if status in OPEN_STATUSES else "closed")


def request_status(case: Case, *, extended: bool) -> str:
    """The status of a case as a service request: open/closed, or the extended one."""
    if not extended:
        return open311_status(case.status)
    return extended_status(case.status, merged=case.parent_id is not None, solved=case.solved)


# Requests that have no category yet (a resident's report the classifier could not place, an import
# without one) are filed under this service; a client may post to it too ("other": the operator
# classifies the case). It is not a category: it has no level-3 attribute.
OTHER_SERVICE_CODE = "OTHER"


def other_service() -> Category:
    service = Category(code=OTHER_SERVICE_CODE, name=_("其他"), level=1, is_active=True)
    service.active_children = []
    return service


def _services() -> QuerySet[Category]:
    """Active level-2 categories, and every active level-1 category as the service of the requests
    filed only at level 1 (its level-2 categories offered as its subcategory attribute)."""
    children = Category.objects.filter(is_active=True).order_by("code")
    return (
        Category.objects.filter(Q(level=SERVICE_LEVEL, parent__is_active=True) | Q(level=1), is_active=True)
        .select_related("parent")
        .prefetch_related(Prefetch("children", queryset=children, to_attr="active_children"))
        .order_by("code")
    )


def service_list() -> list[Category]:
    return [*_services(), other_service()]


def service_get(*, service_code: str) -> Category:
    if service_code == OTHER_SERVICE_CODE:
        return other_service()
    service = _services().filter(code=service_code).first()
    if service is None:
        raise ApplicationError(
            codes.SERVICE_NOT_FOUND,
            _("service_code %(c)s 不存在（见 GET services）") % {"c": service_code},
            status=404,
        )
    return service


def service_of(category: Category | None) -> Category:
    """The service a case is filed under, always one that GET services lists: its level-2 category (a
    level-3 one's parent); for a case filed only at level 1, that level-1 category; for a case without
    a category, or under categories since retired, the nearest active one above, else "other"."""
    if category is None:
        return other_service()
    node = category.parent if category.level > SERVICE_LEVEL else category
    while node is not None:
        parent = node.parent if node.parent_id else None
        if node.is_active and (parent is None or parent.is_active):
            return node
        node = parent
    return other_service()


def reviewed(case_ref: str = "pk") -> Exists:
    """The publication rule as a filter: the case (`case_ref` names it in the outer query) has a move
    by a person of the centre (see the module docstring). The portal's list of nearby reports uses
    it too, so a case is public in both places or in neither."""
    return Exists(
        CaseEvent.objects.filter(case=OuterRef(case_ref), actor_role__in=REVIEWER_ROLES).exclude(
            action__in=NOT_A_REVIEW
        )
    )


def _cases() -> QuerySet[Case]:
    photos = Attachment.objects.filter(public_approved_at__isnull=False).order_by("public_approved_at", "pk")
    return (
        Case.objects.filter(reviewed())
        .select_related(
            "category__parent__parent", "lead_unit", "grid", "community", "town", "district__parent", "parent", "open311"
        )
        .prefetch_related(Prefetch("attachment_files", queryset=photos, to_attr="public_photos"))
    )


def request_list(*, query: RequestQuery) -> list[Case]:
    qs = _cases()
    if query.ids:
        qs = qs.filter(number__in=query.ids[:MAX_RESULTS])
    else:
        if query.service_codes:
            qs = qs.filter(
                Q(category__code__in=query.service_codes)
                | Q(category__level__gt=SERVICE_LEVEL, category__parent__code__in=query.service_codes)
                | (Q(category__isnull=True) if OTHER_SERVICE_CODE in query.service_codes else Q(pk__in=[]))
            )
        if query.statuses == ["open"]:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif query.statuses == ["closed"]:
            qs = qs.exclude(status__in=OPEN_STATUSES)
        if query.start is not None:
            qs = qs.filter(received_at__gte=query.start)
        if query.end is not None:
            qs = qs.filter(received_at__lt=query.end)
    return list(qs.order_by("-received_at", "-id")[:MAX_RESULTS])


def request_get(*, service_request_id: str) -> Case:
    case = _cases().filter(number=service_request_id).first()
    if case is None:
        raise ApplicationError(
            codes.REQUEST_NOT_FOUND,
            _("service_request_id %(n)s 不存在") % {"n": service_request_id},
            status=404,
        )
    return case


def rejection_reasons(cases: list[Case]) -> dict[int, str]:
    """case id -> the reason it was refused at intake, for the status notes of rejected cases."""
    ids = [c.pk for c in cases if c.status == Status.REJECTED]
    if not ids:
        return {}
    rows = CaseEvent.objects.filter(case_id__in=ids, action="reject").order_by("seq")
    return {case_id: reason for case_id, reason in rows.values_list("case_id", "reason")}


def token_get(*, token_id: str) -> Open311Request:
    found = Open311Request.objects.select_related("case").filter(token=token_id).first()
    if found is None:
        raise ApplicationError(codes.TOKEN_NOT_FOUND, _("token %(t)s 不存在") % {"t": token_id}, status=404)
    return found


# --------------------------------------------------------------------------- updates
# GET servicerequestupdates: the public timeline's events after the request itself (its "create"
# is the request, not an update of it). Never an internal one (supervise, …), never who acted.
UPDATE_ACTIONS = PUBLIC_ACTIONS - {"create"}


def _published_cases() -> Exists:
    """The cases whose updates are published, as a filter on the events: those GET requests
    publishes (reviewed cases)."""
    return reviewed("case_id")


def update_list(*, query: UpdateQuery) -> list[CaseEvent]:
    """Events of the public timeline in [start, end), oldest first (a client applies them in order)."""
    rows = (
        CaseEvent.objects.filter(
            action__in=UPDATE_ACTIONS,
            created_at__gte=query.start,
            created_at__lt=query.end,
        )
        .filter(_published_cases())
        .select_related("case__parent")
        .order_by("created_at", "case_id", "seq")
    )
    return list(rows[:MAX_RESULTS])


def update_by_client_id(*, user, client_update_id: str) -> Open311Update | None:
    return (
        Open311Update.objects.select_related("case")
        .filter(submitted_by=user, client_update_id=client_update_id)
        .first()
    )


def case_for_update(*, service_request_id: str) -> Case:
    """The case a client comments on: any case by its number, reviewed or not (the client is
    authenticated by its api_key, and the move checks its scope)."""
    case = Case.objects.filter(number=service_request_id).first()
    if case is None:
        raise ApplicationError(
            codes.REQUEST_NOT_FOUND,
            _("service_request_id %(n)s 不存在") % {"n": service_request_id},
            status=404,
        )
    return case
