"""Reads of the registers: the grid file (一格一档), register lists, one record with its history, and a
case's place context. Everything that leaves here for a list is masked (personal.PERSONAL_FIELDS)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role, User
from yiwang.accounts.people import person_name
from yiwang.cases.models import OPEN_STATUSES, Case
from yiwang.cases.selectors import readable_cases
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Area, Level
from yiwang.routing.names import localized_name
from yiwang.security.masking import mask_phone

from . import access
from . import error_codes as codes
from .importing import MODELS
from .models import (
    Building,
    CareGroup,
    Change,
    Facility,
    FacilityStatus,
    Merge,
    Organisation,
    Person,
    PersonKind,
    Register,
    Reveal,
    Visit,
)
from .personal import mask, normalise

LIST_LIMIT = 20
PAGE_SIZE = 50


# --------------------------------------------------------------------------- rows (masked)
def _age(birth: dt.date | None) -> int | None:
    if birth is None:
        return None
    today = clock.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def person_row(p: Person) -> dict:
    return {
        "id": p.pk,
        "name": mask(Register.PERSON, "name", p.name),
        "id_number": mask(Register.PERSON, "id_number", p.id_number),
        "phone": mask(Register.PERSON, "phone", p.phone),
        "gender": p.get_gender_display() if p.gender else "",
        "age": _age(p.birth_date),
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "groups": [str(CareGroup(g).label) for g in p.groups if g in CareGroup.values],
        "address": p.address,
        "building": str(p.building) if p.building_id else "",
        "room": p.room.number if p.room_id else "",
        "last_visited_at": localtime(p.last_visited_at).isoformat() if p.last_visited_at else None,
        "generated": p.generated,
    }


def organisation_row(o: Organisation) -> dict:
    return {
        "id": o.pk,
        "name": o.name,
        "uscc": o.uscc,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "legal_rep": mask(Register.ORGANISATION, "legal_rep", o.legal_rep),
        "contact_phone": mask(Register.ORGANISATION, "contact_phone", o.contact_phone),
        "employees": o.employees,
        "address": o.address,
        "last_visited_at": localtime(o.last_visited_at).isoformat() if o.last_visited_at else None,
        "generated": o.generated,
    }


def building_row(b: Building) -> dict:
    return {
        "id": b.pk,
        "code": b.code,
        "name": b.name,
        "address": b.address,
        "floors": b.floors,
        "use": b.use,
        "use_label": str(b.get_use_display()),
        "people": getattr(b, "n_people", None),
        "lon": b.lon,
        "lat": b.lat,
        "generated": b.generated,
    }


def facility_row(f: Facility) -> dict:
    return {
        "id": f.pk,
        "code": f.code,
        "kind": f.kind,
        "kind_label": str(f.get_kind_display()),
        "status": f.status,
        "status_label": str(f.get_status_display()),
        "owner": f.owner,
        "address": f.address,
        "lon": f.lon,
        "lat": f.lat,
        "generated": f.generated,
    }


ROWS = {
    Register.PERSON: person_row,
    Register.ORGANISATION: organisation_row,
    Register.BUILDING: building_row,
    Register.FACILITY: facility_row,
}


def _queryset(register: str, grid: Area):
    qs = MODELS[register].objects.filter(grid=grid)
    if register == Register.PERSON:
        qs = qs.select_related("building", "room")
    if register == Register.BUILDING:
        qs = qs.annotate(n_people=Count("people"))
    return qs.order_by("id")


def case_row(c: Case) -> dict:
    return {
        "number": c.number,
        "title": c.title,
        "status": c.status,
        "status_label": str(c.get_status_display()),
        "category": c.category.name if c.category_id else "",
        "category_display": c.category.display_name if c.category_id else "",
        "received_at": localtime(c.received_at).isoformat(),
        "address": c.address,
    }


# --------------------------------------------------------------------------- the grid file
def grid_get(*, code: str, user) -> Area:
    grid = Area.objects.select_related("parent__parent__parent__parent").filter(code=code, level=Level.GRID).first()
    if grid is None:
        raise ApplicationError(codes.GRID_NOT_FOUND, _("找不到编码为 %(c)s 的网格。") % {"c": code}, status=404)
    access.check_read(user, grid.code)
    return grid


def area_chain(area: Area) -> list[Area]:
    chain, cur = [], area
    while cur is not None:
        chain.append(cur)
        cur = cur.parent
    return list(reversed(chain))


def grid_workers(grid: Area) -> list[dict]:
    users = User.objects.filter(role=Role.GRIDWORKER, area=grid, is_active=True).order_by("username")
    return [{"username": u.username, "name": u.get_full_name() or u.username, "phone": mask_phone(u.phone)} for u in users]


def _care_groups(people) -> dict[str, int]:
    """How many of these people are in each care group (labels, most first)."""
    groups: Counter[str] = Counter()
    for row in people.exclude(groups=[]).values_list("groups", flat=True):
        groups.update(row)
    return {str(CareGroup(g).label): n for g, n in groups.most_common() if g in CareGroup.values}


def grid_counts(grid: Area) -> dict:
    people = Person.objects.filter(grid=grid)
    by_kind = dict(people.values_list("kind").annotate(n=Count("id")).order_by())
    orgs = dict(Organisation.objects.filter(grid=grid).values_list("kind").annotate(n=Count("id")).order_by())
    facilities = Facility.objects.filter(grid=grid)
    return {
        "people": sum(by_kind.values()),
        "people_by_kind": {str(PersonKind(k).label): n for k, n in sorted(by_kind.items())},
        "care_groups": _care_groups(people),
        "buildings": Building.objects.filter(grid=grid).count(),
        "organisations": sum(orgs.values()),
        "organisations_by_kind": {str(Organisation(kind=k).get_kind_display()): n for k, n in sorted(orgs.items())},
        "facilities": facilities.count(),
        "facilities_needing_repair": facilities.exclude(status=FacilityStatus.NORMAL).count(),
    }


STOPWORDS = frozenset(
    "问题 反映 投诉 关于 希望 请求 要求 相关 部门 处理 解决 情况 我们 你们 他们 没有 一个 这个 那个 现在 已经 进行 存在 "
    "导致 影响 严重 附近 居民 小区 江门 江门市 市民 请问 建议 咨询 举报 求助 是否 可以 什么 为什么 怎么 如何 "
    "一直 多次 长期 今年 去年 目前".split()
)


def hot_topics(grid: Area, *, days: int = 90, top: int = 8) -> list[dict]:
    """What the grid's cases of the last `days` days are about: their categories, and the words their
    titles use most (jieba), each with how many cases mention it. A simple count until the analytics
    app publishes topics per area."""
    import jieba

    since = clock.now() - dt.timedelta(days=days)
    cases = list(
        Case.objects.filter(grid=grid, received_at__gte=since, parent__isnull=True)
        .select_related("category")
        .order_by("-received_at")
        .values_list("title", "category__name", "category__name_en", "category__name_zh_hant")[:300]
    )
    categories = Counter(name for _t, name, *_translations in cases if name)
    # The topic stays the stored name (the API's value); topic_display is the reader's language.
    shown = {name: localized_name(name, name_en=en, name_zh_hant=hant) for _t, name, en, hant in cases if name}
    words: Counter[str] = Counter()
    for title, *_c in cases:
        words.update({w for w in jieba.lcut(title or "") if len(w) >= 2 and w not in STOPWORDS and not re.fullmatch(r"[\W\d_]+", w)})
    topics = [
        {"topic": name, "topic_display": shown[name], "kind": "category", "cases": n}
        for name, n in categories.most_common(top)
    ]
    topics += [{"topic": w, "kind": "keyword", "cases": n} for w, n in words.most_common(top) if n >= 2]
    return topics


def grid_file(*, grid: Area, user, limit: int = LIST_LIMIT) -> dict:
    """Everything the grid's file shows: chain, workers, counts, the first rows of each register (masked),
    open and past cases, hot topics, and the latest visits and changes."""
    open_cases = Case.objects.filter(grid=grid, status__in=OPEN_STATUSES).select_related("category").order_by("-received_at")
    past_cases = Case.objects.filter(grid=grid).exclude(status__in=OPEN_STATUSES).select_related("category").order_by("-received_at")
    visits = Visit.objects.filter(grid=grid).select_related("by__unit", "by__area").order_by("-at")[:10]
    lists = {register: [ROWS[register](obj) for obj in _queryset(register, grid)[:limit]] for register in ROWS}
    return {
        "grid": {"code": grid.code, "name": grid.name, "approximate": grid.approximate},
        "chain": [{"code": a.code, "name": a.name, "level": a.level} for a in area_chain(grid)],
        "workers": grid_workers(grid),
        "counts": grid_counts(grid),
        "people": lists[Register.PERSON],
        "buildings": lists[Register.BUILDING],
        "organisations": lists[Register.ORGANISATION],
        "facilities": lists[Register.FACILITY],
        "open_cases": [case_row(c) for c in open_cases[:limit]],
        "open_cases_total": open_cases.count(),
        "past_cases": [case_row(c) for c in past_cases[:limit]],
        "past_cases_total": past_cases.count(),
        "hot_topics": hot_topics(grid),
        "visits": [
            {"register": v.register, "record_id": v.record_id, "kind": str(v.get_kind_display()), "note": v.note,
             "by": v.by.username, "by_name": person_name(v.by), "at": localtime(v.at).isoformat()}
            for v in visits
        ],
        "generated": any(r["generated"] for rows in lists.values() for r in rows),
        "can_write": access.can_write(user, grid.code),
    }


def register_page(*, register: str, grid: Area, page: int = 1, filters: dict | None = None):
    """One page of a register in a grid (masked rows) and the paginator."""
    qs = _queryset(register, grid)
    filters = filters or {}
    if filters.get("kind") and register in (Register.PERSON, Register.ORGANISATION, Register.FACILITY):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("group") and register == Register.PERSON:
        # JSON containment is not portable to SQLite; the groups are few, so match the JSON text.
        qs = qs.filter(groups__icontains=f'"{filters["group"]}"')
    if filters.get("building") and register == Register.PERSON:
        building = str(filters["building"])
        qs = qs.filter(building_id=int(building)) if building.isascii() and building.isdigit() else qs.none()
    paginator = Paginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    return [ROWS[register](obj) for obj in current.object_list], current


# --------------------------------------------------------------------------- one record
def record_get(*, register: str, record_id: int, user):
    model = MODELS.get(register)
    obj = model.objects.select_related("grid").filter(pk=record_id).first() if model else None
    if obj is None:
        raise ApplicationError(codes.RECORD_NOT_FOUND, _("找不到该记录。"), status=404)
    access.check_read(user, obj.grid.code if obj.grid else None)
    return obj


def record_history(*, register: str, record_id: int, user) -> dict:
    changes = Change.objects.filter(register=register, record_id=record_id).select_related("actor").order_by("-at", "-id")
    merges = Merge.objects.filter(register=register, record_id=record_id).select_related("batch").order_by("-at", "-id")
    visits = Visit.objects.filter(register=register, record_id=record_id).select_related("by__unit", "by__area").order_by("-at")
    out = {"changes": list(changes[:100]), "merges": list(merges[:50]), "visits": list(visits[:50]), "reveals": None}
    if user.role == Role.ADMIN:
        out["reveals"] = list(Reveal.objects.filter(register=register, record_id=record_id).select_related("user").order_by("-at")[:50])
    return out


# --------------------------------------------------------------------------- a case's place
NEAR_METRES = 60


def _metres(lon1, lat1, lon2, lat2) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def _box(lon: float, lat: float, metres: float = NEAR_METRES) -> Q:
    d_lat = metres / 111_000
    d_lon = d_lat / max(0.1, math.cos(math.radians(lat)))
    return Q(lat__range=(lat - d_lat, lat + d_lat), lon__range=(lon - d_lon, lon + d_lon))


def _near(qs, lon: float, lat: float, metres: float = NEAR_METRES):
    return qs.filter(_box(lon, lat, metres))


def case_place_context(case: Case, *, user=None) -> dict:
    """The register's view of a case's place, without personal data: the building at the address (or
    nearest to the point), the organisations there, earlier cases at the same address or within
    NEAR_METRES, and the grid's headline counts. With `user`, the earlier cases are only those that
    person may read (cases.selectors.readable_cases): a unit's handler sees none of another unit's."""
    building, distance = None, None
    key = normalise(case.address) if case.address else ""
    if key:
        building = Building.objects.filter(address_key=key).first()
        distance = 0 if building else None
    if building is None and case.lon is not None and case.lat is not None:
        candidates = [b for b in _near(Building.objects.all(), case.lon, case.lat)[:200] if b.lon is not None]
        if candidates:
            building = min(candidates, key=lambda b: _metres(case.lon, case.lat, b.lon, b.lat))
            distance = round(_metres(case.lon, case.lat, building.lon, building.lat))
    organisations = []
    if building is not None:
        organisations = list(Organisation.objects.filter(building=building).order_by("name")[:10])
    if not organisations and case.lon is not None and case.lat is not None:
        organisations = list(_near(Organisation.objects.all(), case.lon, case.lat, 40).order_by("name")[:10])
    earlier = Case.objects.filter(received_at__lt=case.received_at).exclude(pk=case.pk)
    if user is not None:
        earlier = earlier.filter(pk__in=readable_cases(user).values("pk"))
    place = Q()
    if case.address:
        place |= Q(address=case.address)
    if building is not None and building.address:
        place |= Q(address=building.address)
    if case.lon is not None and case.lat is not None:
        place |= _box(case.lon, case.lat)
    earlier_cases = list(earlier.filter(place).select_related("category").order_by("-received_at")[:10]) if place else []
    residents = None
    if building is not None:
        people = Person.objects.filter(building=building)
        residents = {"people": people.count(), "rooms": building.rooms.count(), "care_groups": _care_groups(people)}
    return {
        "grid": {"code": case.grid.code, "name": case.grid.name} if case.grid_id else None,
        "building": {**building_row(building), "distance_m": distance, "residents": residents} if building else None,
        "organisations": [
            {"id": o.pk, "name": o.name, "kind_label": str(o.get_kind_display()), "uscc": o.uscc, "generated": o.generated}
            for o in organisations
        ],
        "earlier_cases": [case_row(c) for c in earlier_cases],
        "generated": bool((building and building.generated) or any(o.generated for o in organisations)),
    }


def grids_in_scope(*, user, q: str = "", page: int = 1):
    """Grids the user may read (with their register counts), for the registers' home page."""
    qs = Area.objects.filter(_grid_scope(user), level=Level.GRID)
    q = (q or "")[:100]
    if q:
        qs = qs.filter(Q(code__startswith=q) | Q(name__contains=q) | Q(parent__name__contains=q))
    paginator = Paginator(qs.select_related("parent__parent").order_by("code"), PAGE_SIZE)
    current = paginator.get_page(page)
    ids = [g.pk for g in current.object_list]
    people = dict(Person.objects.filter(grid_id__in=ids).values_list("grid_id").annotate(n=Count("id")).order_by())
    buildings = dict(Building.objects.filter(grid_id__in=ids).values_list("grid_id").annotate(n=Count("id")).order_by())
    rows = [{"grid": g, "people": people.get(g.pk, 0), "buildings": buildings.get(g.pk, 0)} for g in current.object_list]
    return rows, current


def _grid_scope(user) -> Q:
    prefix = access.scope_prefix(user)
    return Q() if prefix == "" else Q(code__startswith=prefix)
