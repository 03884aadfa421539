"""Every route, every role: what each may open or do, and what it may not (issue 8, item 1).

The routes are enumerated from the root URL resolver and the API's OpenAPI document, so a route added
later without a line in ROUTES fails `test_every_route_is_classified`. Skipped: Django's admin
internals (its index is checked: staff only), static/media, and Open311 (public by its spec; its POST
needs an api_key, checked below).

Outcomes: OK (2xx, or 3xx to a page that is not a login page; for a write, anything but 401/403/404
and a login redirect: the permission passed, the body may still be refused), NO (401/403, or a
redirect to a login page), NF (404: the code answers "no such case" for a case outside the person's
scope, so as not to tell strangers which numbers exist). Each parametrised route is tried with an
object inside the role's scope ("in") and one outside it ("out").

Scopes (the people below): the dispatcher and the leader oversee 蓬江区 (440703); the handler and the
unit leader work for JM.ZJJ; the grid worker has the grid at POINT; the resident filed the "in" case.
The "out" case lies in 台山 (440781), was filed by another resident and is dispatched to JM.SHJ.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import shapely
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from yiwang.accounts.models import Role, User
from yiwang.cases.audit import sequence_all
from yiwang.cases.models import Case
from yiwang.cases.services import Actor, CaseInput, perform
from yiwang.geo.locate import locate
from yiwang.geo.models import Area, Level
from yiwang.intake.services import case_submit
from yiwang.routing.models import Unit

POINT = (113.08, 22.60)  # central 蓬江区
HOME_DISTRICT, OTHER_DISTRICT = "440703", "440781"
ROLES = (
    "anonymous",
    "resident",
    "operator",
    "dispatcher",
    "handler",
    "unit_leader",
    "gridworker",
    "leader",
    "auditor",
    "admin",
)
STAFF = ROLES[2:]
OK, NO, NF = "ok", "no", "404"
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


def expect(default: str = NO, **by_role: str) -> dict[str, str]:
    """One outcome per role: `default` unless named (expect(NO, admin=OK))."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def allow(*roles: str, default: str = NO) -> dict[str, str]:
    return expect(default, **dict.fromkeys(roles, OK))


EVERYONE = allow(*ROLES)
SIGNED_IN = allow(*ROLES[1:])


# --------------------------------------------------------------------------- the world
@dataclass
class World:
    users: dict[str, User]
    case: dict[str, Case]  # "in" / "out"
    grid: dict[str, Area]
    building: dict[str, int]
    organisation: dict[str, int]  # a record with personal fields (reveal)
    batch_id: int
    area: dict[str, str] = field(default_factory=lambda: {"in": HOME_DISTRICT, "out": OTHER_DISTRICT})
    prog: dict[str, dict] = field(default_factory=dict)  # programmes: "in" led by the handler's unit, "out" by another


def _point_in(area: Area) -> tuple[float, float]:
    p = shapely.from_wkb(bytes(area.geometry)).representative_point()
    return p.x, p.y


def _build_world() -> World:
    city = Area.objects.get(code="440700")
    home = Area.objects.get(code=HOME_DISTRICT)
    grid_in = Area.objects.get(pk=locate(*POINT).grid.id)
    grid_out = Area.objects.filter(level=Level.GRID, code__startswith=OTHER_DISTRICT).order_by("code").first()
    unit_in, unit_out = Unit.objects.get(code="JM.ZJJ"), Unit.objects.get(code="JM.SHJ")

    def user(name, role, **kw):  # no password: force_login (hashing is slow)
        return User.objects.create(username=f"rr_{name}", role=role, **kw)

    users = {
        "resident": user("resident", Role.RESIDENT),
        "resident2": user("resident2", Role.RESIDENT),
        "operator": user("operator", Role.OPERATOR, area=city),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=home),
        "handler": user("handler", Role.HANDLER, unit=unit_in),
        "unit_leader": user("unit_leader", Role.UNIT_LEADER, unit=unit_in),
        "gridworker": user("gridworker", Role.GRIDWORKER, area=grid_in),
        "leader": user("leader", Role.LEADER, area=home),
        "auditor": user("auditor", Role.AUDITOR, area=city, is_staff=True),
        "admin": user("admin", Role.ADMIN, area=city, is_staff=True, is_superuser=True),
    }
    admin = Actor.of(users["admin"])

    def make(point, requester, unit):
        data = CaseInput(
            request_type="投诉",
            title="小区路灯不亮",
            text="小区门口路灯连续一周不亮，夜间出行不便。",
            lon=point[0],
            lat=point[1],
            requester_name="张三",
            requester_phone="13800138000",
        )
        case = case_submit(data=data, actor=Actor.of(requester))[0]
        if case.status == "received":
            case = perform(case=case, action="accept", actor=admin, payload={"category": "C01"})
        if case.status == "accepted":
            case = perform(case=case, action="dispatch", actor=admin, payload={"lead_unit": unit.code})
        return case

    with override_settings(AUTO_DISPATCH_THRESHOLD=1.1, VERIFY_ON_SITE=False):
        case_in = make(POINT, users["resident"], unit_in)
        case_out = make(_point_in(grid_out), users["resident2"], unit_out)
    grid_out = case_out.grid
    assert case_in.grid_id == grid_in.pk and case_in.lead_unit_id == unit_in.pk
    assert case_out.district.code == OTHER_DISTRICT and case_out.lead_unit_id == unit_out.pk

    from yiwang.core import clock
    from yiwang.registers import importing
    from yiwang.registers.models import Building, Organisation

    now = clock.now()
    buildings = {
        which: Building.objects.create(grid=g, address="测试路1号", name="1栋", created_at=now, updated_at=now).pk
        for which, g in (("in", grid_in), ("out", grid_out))
    }
    organisations = {
        which: Organisation.objects.create(
            grid=g, name="某公司", legal_rep="李四", contact_phone="13900139000", created_at=now, updated_at=now
        ).pk
        for which, g in (("in", grid_in), ("out", grid_out))
    }
    from yiwang.intake.models import Attachment

    for which, c in (("in", case_in), ("out", case_out)):  # a photo on each case (its file is not read)
        Attachment.objects.create(
            token=f"rr_photo_{which}", file=f"rr/{which}.jpg", content_type="image/jpeg", size=1, width=1,
            height=1, sha256="0" * 64, case=c, created_at=now,
        )
    from yiwang.web.models import BulkAction

    BulkAction.objects.create(  # a bulk submission of the dispatcher's, for its results page
        key="rr_bulk", user=users["dispatcher"], action="reject", payload={"reason": "广告"}, created_at=now,
        results=[{"number": case_in.number, "ok": False, "status": case_in.status, "message": "x"}], finished_at=now,
    )
    header = ",".join(importing.template_headers("building"))
    batch = importing.import_start(
        register="building",
        source="住建",
        filename="b.csv",
        content=(header + "\n").encode(),
        user=users["admin"],
    )
    return World(
        users=users,
        case={"in": case_in, "out": case_out},
        grid={"in": grid_in, "out": grid_out},
        building=buildings,
        organisation=organisations,
        batch_id=batch.pk,
        prog={"in": _programme("IN", unit_in, now), "out": _programme("OUT", unit_out, now)},
    )


def _programme(code: str, unit: Unit, now) -> dict:
    """A programme whose one task `unit` leads, with a waiting report for 2025-Q1 and a photo."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from yiwang.programmes.models import Attachment, Indicator, Programme, Report, Task

    programme = Programme.objects.create(code=f"T-{code}", name="测试行动", created_at=now)
    indicator = Indicator.objects.create(
        programme=programme, code=f"T-{code}-1", name="测试指标", measure_unit="个", baseline=0,
        baseline_date=dt.date(2025, 1, 1), target=10, target_date=dt.date(2027, 12, 31),
    )
    task = Task.objects.create(indicator=indicator, title="测试任务", lead_unit=unit, starts_on=dt.date(2025, 1, 1),
                               ends_on=dt.date(2027, 12, 31))
    report = Report.objects.create(task=task, unit=unit, period="2025-Q1", period_end=dt.date(2025, 3, 31), value=1,
                                   due_at=now, first_submitted_at=now, submitted_at=now)
    photo = Attachment.objects.create(report=report, file=ContentFile(_png().getvalue(), name="t.png"), name="t.png",
                                      content_type="image/png", size=1, uploaded_at=now)
    return {"code": programme.code, "indicator": indicator.code, "task": task.pk, "report": report.pk, "attachment": photo.pk}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint on top of it (pytest-django's `db`), so a move one test makes is undone after it."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = _build_world()
            sequence_all()  # built outside a test's settings: its events wait for the sequencer
            yield built
            transaction.set_rollback(True)


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


# --------------------------------------------------------------------------- the routes
@dataclass
class Route:
    method: str
    url: Callable[[World, str, str], str]  # (world, role, "in"|"out") -> path
    expect_in: dict[str, str]
    expect_out: dict[str, str] | None = None  # None: the route has no scoped object
    body: Callable[[World, str, str], dict] | None = None
    json: bool = False
    multipart: bool = False
    changes_case: bool = False  # a denied role must leave the case as it was
    visible: Callable | None = None  # a listing: the outcome is whether the object is in it
    xfail: dict[str, str] = field(default_factory=dict)  # role -> reason (rule not implemented)


def num(w, role, which):
    return w.case[which].number


# The desk each role works at (others try the dispatcher's: refused by role).
OWN_DESK = {
    "operator": "operator",
    "dispatcher": "dispatch",
    "handler": "unit",
    "unit_leader": "unit",
    "gridworker": "grid",
    "admin": "dispatch",
}
# The move each role tries on the dispatched case from its desk / through the API.
OWN_MOVE = {"handler": "sign", "unit_leader": "sign", "operator": "accept", "gridworker": "verify"}


def desk(role):
    return OWN_DESK.get(role, "dispatch")


def move(role):
    return OWN_MOVE.get(role, "supervise")


def move_body(w, role, which):
    action = move(role)
    if action == "supervise":
        return {f"{action}-card": "yellow", f"{action}-note": "请加快办理", f"{action}-version": w.case[which].version}
    return {f"{action}-version": w.case[which].version, f"{action}-passed": "true", f"{action}-note": "ok"}


def api_move_body(w, role, which):
    if move(role) == "supervise":
        return {"card": "yellow", "note": "请加快办理"}
    return {"passed": True, "note": "ok"}


SCOPED_CASE_READERS = dict(
    operator=OK, dispatcher=OK, handler=OK, unit_leader=OK, gridworker=OK, leader=OK, auditor=OK, admin=OK
)
OUT_OF_SCOPE = dict(dispatcher=NF, handler=NF, unit_leader=NF, gridworker=NF, leader=NF)


def new_case_body(w, role, which):
    return {"request_type": "建议", "title": "增设公交站", "text": "建议在小区门口增设一个公交站点，方便出行。", "lon": POINT[0], "lat": POINT[1]}


def _png() -> io.BytesIO:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    out.seek(0)
    out.name = "x.png"
    return out


PAGES: dict[str, Route] = {
    # ------------------------------------------------------------------ public and Django's own
    "healthz": Route("GET", lambda w, r, x: "/healthz", EVERYONE),
    "i18n/setlang/": Route("POST", lambda w, r, x: "/i18n/setlang/", EVERYONE, body=lambda w, r, x: {"language": "zh-hans"}),
    "accounts/login/": Route("GET", lambda w, r, x: "/accounts/login/", EVERYONE),
    "accounts/logout/": Route("POST", lambda w, r, x: "/accounts/logout/", EVERYONE),
    "accounts/password_change/": Route("GET", lambda w, r, x: "/accounts/password_change/", SIGNED_IN),
    "accounts/password_change/done/": Route("GET", lambda w, r, x: "/accounts/password_change/done/", SIGNED_IN),
    "accounts/password_reset/": Route("GET", lambda w, r, x: "/accounts/password_reset/", EVERYONE),
    "accounts/password_reset/done/": Route("GET", lambda w, r, x: "/accounts/password_reset/done/", EVERYONE),
    "accounts/reset/<uidb64>/<token>/": Route("GET", lambda w, r, x: "/accounts/reset/MQ/set-password/", EVERYONE),
    "accounts/reset/done/": Route("GET", lambda w, r, x: "/accounts/reset/done/", EVERYONE),
    "admin/": Route("GET", lambda w, r, x: "/admin/", allow("auditor", "admin")),  # is_staff only
    "": Route("GET", lambda w, r, x: "/", EVERYONE),
    # the public map (the portal's place picker uses it)
    "geo/map/": Route("GET", lambda w, r, x: "/geo/map/", EVERYONE),
    "geo/areas.geojson": Route("GET", lambda w, r, x: "/geo/areas.geojson?level=district", EVERYONE),
    "geo/locate": Route("GET", lambda w, r, x: f"/geo/locate?lon={POINT[0]}&lat={POINT[1]}", EVERYONE),
    # the base map's area names and place search: public, as the outlines are
    "geo/labels.json": Route("GET", lambda w, r, x: "/geo/labels.json?level=town", EVERYONE),
    "geo/search": Route("GET", lambda w, r, x: "/geo/search?q=%E6%A3%A0%E4%B8%8B", EVERYONE),
    # ------------------------------------------------------------------ resident portal
    "portal/": Route("GET", lambda w, r, x: "/portal/", EVERYONE),
    "portal/submit/": Route("GET", lambda w, r, x: "/portal/submit/", EVERYONE),
    "portal/follow/": Route("GET", lambda w, r, x: "/portal/follow/", EVERYONE),
    # the open reports around a point (public, like the Open311 feed) and "my problem too" on one of
    # them: visitors and residents, not staff (they register what callers say at their desks)
    "portal/nearby/": Route("GET", lambda w, r, x: f"/portal/nearby/?lon={POINT[0]}&lat={POINT[1]}", EVERYONE),
    "portal/nearby/<str:number>/same/": Route(
        "POST", lambda w, r, x: f"/portal/nearby/{num(w, r, x)}/same/", allow("anonymous", "resident"),
        allow("anonymous", "resident"), changes_case=True,
    ),
    "portal/follow/code/": Route("POST", lambda w, r, x: "/portal/follow/code/", EVERYONE, body=lambda w, r, x: {"code": "000000"}),
    # a case on the portal: its requester (or a phone-verified visitor); staff use their desks
    "portal/submitted/<str:number>/": Route(
        "GET", lambda w, r, x: f"/portal/submitted/{num(w, r, x)}/", expect(NF, resident=OK), expect(NF)
    ),
    "portal/case/<str:number>/": Route(
        "GET", lambda w, r, x: f"/portal/case/{num(w, r, x)}/", expect(NF, resident=OK), expect(NF)
    ),
    "portal/case/<str:number>/rate/": Route(
        "POST", lambda w, r, x: f"/portal/case/{num(w, r, x)}/rate/", expect(NF, resident=OK), expect(NF),
        body=lambda w, r, x: {"rate-satisfaction": "satisfied", "rate-solved": "true"}, changes_case=True,
    ),
    "portal/case/<str:number>/appeal/": Route(
        "POST", lambda w, r, x: f"/portal/case/{num(w, r, x)}/appeal/", expect(NF, resident=OK), expect(NF),
        body=lambda w, r, x: {"appeal-reason": ""}, changes_case=True,
    ),
    "portal/mine/": Route("GET", lambda w, r, x: "/portal/mine/", allow("resident")),
    # ------------------------------------------------------------------ staff desks
    "desk/operator/": Route("GET", lambda w, r, x: "/desk/operator/", allow("operator", "admin")),
    "desk/operator/caller/": Route("GET", lambda w, r, x: "/desk/operator/caller/?phone=13800138000", allow("operator", "admin")),
    "desk/knowledge/": Route(
        "GET", lambda w, r, x: "/desk/knowledge/?q=路灯", allow("operator", "dispatcher", "handler", "unit_leader", "admin")
    ),
    "desk/dispatch/": Route("GET", lambda w, r, x: "/desk/dispatch/", allow("dispatcher", "admin")),
    "desk/dispatch/case/<str:number>/cohandling/": Route(
        "POST", lambda w, r, x: f"/desk/dispatch/case/{num(w, r, x)}/cohandling/",
        allow("dispatcher", "admin"), expect(NO, dispatcher=NF, admin=OK),
        body=lambda w, r, x: {"request_id": "0", "decision": "approve"}, changes_case=True,
    ),
    "desk/dispatch/case/<str:number>/accept-dispatch/": Route(
        "POST", lambda w, r, x: f"/desk/dispatch/case/{num(w, r, x)}/accept-dispatch/",
        allow("dispatcher", "admin"), expect(NO, dispatcher=NF, admin=OK),
        body=lambda w, r, x: {"quick-lead_unit": ""}, changes_case=True,
    ),
    # one move for several ticked cases (the scope, role and state are checked per case by perform)
    "desk/dispatch/bulk/": Route(
        "POST", lambda w, r, x: "/desk/dispatch/bulk/", allow("dispatcher", "admin"),
        body=lambda w, r, x: {"key": f"rr_bulk_{r}", "action": "reject", "reason": "广告",
                              "cases": [f"{w.case['in'].number}@{w.case['in'].version}"]}, changes_case=True,
    ),
    # its results: only for whoever submitted it (the world's is the dispatcher's)
    "desk/dispatch/bulk/<str:key>/": Route(
        "GET", lambda w, r, x: "/desk/dispatch/bulk/rr_bulk/", expect(NO, dispatcher=OK, admin=NF),
    ),
    "desk/unit/": Route("GET", lambda w, r, x: "/desk/unit/", allow("handler", "unit_leader", "admin")),
    "desk/unit/case/<str:number>/cohandling/": Route(
        "POST", lambda w, r, x: f"/desk/unit/case/{num(w, r, x)}/cohandling/",
        allow("handler", "unit_leader", "admin"), expect(NO, handler=NF, unit_leader=NF, admin=OK),
        body=lambda w, r, x: {"assist-reason": ""}, changes_case=True,
    ),
    "desk/grid/": Route("GET", lambda w, r, x: "/desk/grid/", allow("gridworker", "admin")),
    "desk/grid/report/": Route("GET", lambda w, r, x: "/desk/grid/report/", allow("gridworker", "admin")),
    "desk/area/<str:code>.geojson": Route(  # one area's outline: public, as the whole layer at geo/areas.geojson
        "GET", lambda w, r, x: f"/desk/area/{w.grid[x].code}.geojson", EVERYONE, EVERYONE
    ),
    # each role at its own desk (leader, auditor, resident try the dispatcher's and are refused)
    "desk/<str:desk>/case/<str:number>/": Route(
        "GET", lambda w, r, x: f"/desk/{desk(r)}/case/{num(w, r, x)}/",
        allow("operator", "dispatcher", "handler", "unit_leader", "gridworker", "admin"),
        expect(NO, operator=OK, admin=OK, dispatcher=NF, handler=NF, unit_leader=NF, gridworker=NF),
    ),
    # a logged look at one personal value of the case (a reason is required): whoever may open the case page
    "desk/<str:desk>/case/<str:number>/reveal/": Route(
        "POST", lambda w, r, x: f"/desk/{desk(r)}/case/{num(w, r, x)}/reveal/",
        allow("operator", "dispatcher", "handler", "unit_leader", "gridworker", "admin"),
        expect(NO, operator=OK, admin=OK, dispatcher=NF, handler=NF, unit_leader=NF, gridworker=NF),
        body=lambda w, r, x: {"reveal-field": "requester_phone", "reveal-reason": "回访核实"},
    ),
    # approving a case's photo for the public feed: the centre's dispatchers only
    "desk/<str:desk>/case/<str:number>/photos/<str:token>/publish/": Route(
        "POST", lambda w, r, x: f"/desk/dispatch/case/{num(w, r, x)}/photos/rr_photo_{x}/publish/",
        allow("dispatcher", "admin"), expect(NO, dispatcher=NF, admin=OK),
    ),
    "desk/<str:desk>/case/<str:number>/<str:action>/": Route(
        "POST", lambda w, r, x: f"/desk/{desk(r)}/case/{num(w, r, x)}/{move(r)}/",
        allow("operator", "dispatcher", "handler", "unit_leader", "gridworker", "admin"),
        expect(NO, operator=OK, admin=OK, dispatcher=NF, handler=NF, unit_leader=NF, gridworker=NF),
        body=move_body, changes_case=True,
    ),
    # ------------------------------------------------------------------ audit trail: auditors and admins,
    # every case (the listing filtered to the case: whether its events are listed)
    "audit/": Route(
        "GET", lambda w, r, x: f"/audit/?case={num(w, r, x)}", allow("auditor", "admin"), allow("auditor", "admin"),
        visible=lambda response, w, which: "<tr data-seq=" in response.content.decode(),
    ),
    "audit/check/": Route("POST", lambda w, r, x: "/audit/check/", allow("auditor", "admin")),
    "audit/events.xlsx": Route(
        "GET", lambda w, r, x: f"/audit/events.xlsx?case={num(w, r, x)}", allow("auditor", "admin"), allow("auditor", "admin")
    ),
    # ------------------------------------------------------------------ registers (一格一档)
    # grid worker: their grid; leader: their area, read-only; admin: all. Not auditors (personal data).
    "grids/": Route("GET", lambda w, r, x: "/grids/", allow("gridworker", "leader", "admin")),
    "grids/^(?P<code>\\d{15})/$": Route(
        "GET", lambda w, r, x: f"/grids/{w.grid[x].code}/", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "grids/^(?P<code>\\d{15})/(?P<register>people|buildings|organisations|facilities)/$": Route(
        "GET", lambda w, r, x: f"/grids/{w.grid[x].code}/buildings/", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "grids/record/<str:register>/<int:record_id>/": Route(
        "GET", lambda w, r, x: f"/grids/record/building/{w.building[x]}/", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "grids/record/<str:register>/<int:record_id>/reveal": Route(
        "POST", lambda w, r, x: f"/grids/record/organisation/{w.organisation[x]}/reveal", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"field": "contact_phone", "reason": "核实联系人"},
    ),
    "grids/record/<str:register>/<int:record_id>/edit": Route(
        "POST", lambda w, r, x: f"/grids/record/building/{w.building[x]}/edit", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"name": "2栋", "floors": "6", "use": "residential", "note": "更正"},
    ),
    "grids/record/<str:register>/<int:record_id>/visit": Route(
        "POST", lambda w, r, x: f"/grids/record/building/{w.building[x]}/visit", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"kind": "routine", "note": "走访"},
    ),
    "grids/import/": Route("GET", lambda w, r, x: "/grids/import/", allow("admin")),
    "grids/import/<int:batch_id>/": Route("GET", lambda w, r, x: f"/grids/import/{w.batch_id}/", allow("admin")),
    "grids/import/<int:batch_id>/check": Route("POST", lambda w, r, x: f"/grids/import/{w.batch_id}/check", allow("admin")),
    "grids/import/<int:batch_id>/apply": Route("POST", lambda w, r, x: f"/grids/import/{w.batch_id}/apply", allow("admin")),
    "grids/import/<int:batch_id>/cancel": Route("POST", lambda w, r, x: f"/grids/import/{w.batch_id}/cancel", allow("admin")),
    "grids/import/template/<str:register>.csv": Route("GET", lambda w, r, x: "/grids/import/template/building.csv", allow("admin")),
    # ------------------------------------------------------------------ cockpit: leaders their area
    "cockpit/": Route(
        "GET", lambda w, r, x: f"/cockpit/?area={w.area[x]}",
        allow("dispatcher", "leader", "auditor", "admin"), allow("auditor", "admin"),
    ),
    "cockpit/export/<str:kind>.xlsx": Route(
        "GET", lambda w, r, x: f"/cockpit/export/areas.xlsx?area={w.area[x]}",
        allow("dispatcher", "leader", "auditor", "admin"), allow("auditor", "admin"),
    ),
    "cockpit/report/": Route(
        "GET", lambda w, r, x: f"/cockpit/report/?area={w.area[x]}",
        allow("dispatcher", "leader", "auditor", "admin"), allow("auditor", "admin"),
    ),
    "cockpit/report.xlsx": Route(
        "GET", lambda w, r, x: f"/cockpit/report.xlsx?area={w.area[x]}",
        allow("dispatcher", "leader", "auditor", "admin"), allow("auditor", "admin"),
    ),
    # ------------------------------------------------------------------ programmes (督查督办): leaders, auditors
    # and admins read all; a unit its own tasks; leaders decide; admins import
    "programmes/": Route("GET", lambda w, r, x: "/programmes/", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "programmes/mine/": Route("GET", lambda w, r, x: "/programmes/mine/", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "programmes/task/<int:task_id>/": Route(
        "GET", lambda w, r, x: f"/programmes/task/{w.prog[x]['task']}/",
        allow("handler", "unit_leader", "leader", "auditor", "admin"), allow("leader", "auditor", "admin"),
    ),
    "programmes/task/<int:task_id>/report/<str:period>/": Route(
        "POST", lambda w, r, x: f"/programmes/task/{w.prog[x]['task']}/report/2025-Q2/", allow("handler", "unit_leader"),
        expect(NO), body=lambda w, r, x: {"value": "3"},
    ),
    "programmes/report/<int:report_id>/approve": Route(
        "POST", lambda w, r, x: f"/programmes/report/{w.prog[x]['report']}/approve", allow("leader"), allow("leader"),
    ),
    "programmes/report/<int:report_id>/return": Route(
        "POST", lambda w, r, x: f"/programmes/report/{w.prog[x]['report']}/return", allow("leader"), allow("leader"),
        body=lambda w, r, x: {"reason": "请补充材料"},
    ),
    "programmes/attachment/<int:attachment_id>": Route(
        "GET", lambda w, r, x: f"/programmes/attachment/{w.prog[x]['attachment']}",
        allow("handler", "unit_leader", "leader", "auditor", "admin"), allow("leader", "auditor", "admin"),
    ),
    "programmes/export.xlsx": Route("GET", lambda w, r, x: "/programmes/export.xlsx", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "programmes/print/": Route("GET", lambda w, r, x: "/programmes/print/", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "programmes/import/": Route("GET", lambda w, r, x: "/programmes/import/", allow("admin")),
    "programmes/import/template/<str:kind>.xlsx": Route("GET", lambda w, r, x: "/programmes/import/template/indicators.xlsx", allow("admin")),
    # ------------------------------------------------------------------ classifier
    "classifier/": Route("GET", lambda w, r, x: "/classifier/", allow("auditor", "admin")),  # auditor reads
    "classifier/activate/": Route(
        "POST", lambda w, r, x: "/classifier/activate/", allow("admin"), body=lambda w, r, x: {"version": "999"}
    ),
    "classifier/cases/<str:number>/similar/": Route(
        "GET", lambda w, r, x: f"/classifier/cases/{num(w, r, x)}/similar/",
        expect(OK, anonymous=NO, resident=NO), expect(OK, anonymous=NO, resident=NO, **OUT_OF_SCOPE),
    ),
}

API = "/api/v1"


def _listed(response, w, which) -> bool:
    return any(c["number"] == w.case[which].number for c in response.json()["results"])


API_ROUTES: dict[str, Route] = {
    "GET /api/v1/openapi.json": Route("GET", lambda w, r, x: f"{API}/openapi.json", EVERYONE),
    "GET /api/v1/docs": Route("GET", lambda w, r, x: f"{API}/docs", EVERYONE),
    # intake: anyone signed in who may write (not the read-only leader and auditor)
    "POST /api/v1/cases": Route(
        "POST", lambda w, r, x: f"{API}/cases", expect(OK, anonymous=NO, leader=NO, auditor=NO),
        body=new_case_body, json=True,
    ),
    "POST /api/v1/attachments": Route(
        "POST", lambda w, r, x: f"{API}/attachments", expect(OK, anonymous=NO, leader=NO, auditor=NO),
        body=lambda w, r, x: {"file": _png()}, multipart=True,
    ),
    # reads: the resident their own cases, each staff role its scope (operators, auditors, admins all)
    "GET /api/v1/cases": Route(
        "GET", lambda w, r, x: f"{API}/cases?q={num(w, r, x)}",
        expect(OK, anonymous=NO), expect(NO, operator=OK, auditor=OK, admin=OK), visible=_listed,
    ),
    "GET /api/v1/cases/{number}": Route(
        "GET", lambda w, r, x: f"{API}/cases/{num(w, r, x)}",
        expect(OK, anonymous=NO), expect(NF, anonymous=NO, operator=OK, auditor=OK, admin=OK),
    ),
    # the audit trail: auditors read every case's
    "GET /api/v1/cases/{number}/events": Route(
        "GET", lambda w, r, x: f"{API}/cases/{num(w, r, x)}/events",
        expect(OK, anonymous=NO), expect(NF, anonymous=NO, operator=OK, auditor=OK, admin=OK),
    ),
    "GET /api/v1/cases/{number}/duplicates": Route(
        "GET", lambda w, r, x: f"{API}/cases/{num(w, r, x)}/duplicates",
        expect(OK, anonymous=NO, resident=NO), expect(NF, anonymous=NO, operator=OK, auditor=OK, admin=OK),
    ),
    # moves: each role the move of its own (leader, auditor: supervise, refused: read-only)
    "POST /api/v1/cases/{number}/{action}": Route(
        "POST", lambda w, r, x: f"{API}/cases/{num(w, r, x)}/{move(r)}",
        allow("operator", "dispatcher", "handler", "unit_leader", "gridworker", "admin"),
        expect(NO, resident=NF, operator=OK, admin=OK, **{**OUT_OF_SCOPE, "leader": NO}),
        body=api_move_body, json=True, changes_case=True,
    ),
    **{
        f"GET /api/v1/measures{sub}": Route(
            "GET", (lambda s: lambda w, r, x: f"{API}/measures{s}?area={w.area[x]}")(sub),
            allow("dispatcher", "leader", "auditor", "admin"), allow("auditor", "admin"),
        )
        for sub in ("", "/rankings", "/trend", "/hotspots", "/topics", "/alerts")
    },
    "GET /api/v1/grids/{code}": Route(
        "GET", lambda w, r, x: f"{API}/grids/{w.grid[x].code}", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "GET /api/v1/grids/{code}/{listing}": Route(
        "GET", lambda w, r, x: f"{API}/grids/{w.grid[x].code}/buildings", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "GET /api/v1/grids/records/{record_type}/{record_id}": Route(
        "GET", lambda w, r, x: f"{API}/grids/records/building/{w.building[x]}", allow("gridworker", "leader", "admin"), allow("admin")
    ),
    "PATCH /api/v1/grids/records/{record_type}/{record_id}": Route(
        "PATCH", lambda w, r, x: f"{API}/grids/records/building/{w.building[x]}", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"fields": {"name": "2栋"}, "note": "更正"}, json=True,
    ),
    "POST /api/v1/grids/records/{record_type}/{record_id}/visits": Route(
        "POST", lambda w, r, x: f"{API}/grids/records/building/{w.building[x]}/visits", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"kind": "routine", "note": "走访"}, json=True,
    ),
    "POST /api/v1/grids/records/{record_type}/{record_id}/reveal": Route(
        "POST", lambda w, r, x: f"{API}/grids/records/organisation/{w.organisation[x]}/reveal", allow("gridworker", "admin"), allow("admin"),
        body=lambda w, r, x: {"field": "contact_phone", "reason": "核实联系人"}, json=True,
    ),
    "GET /api/v1/classifier/cases/{number}/similar": Route(
        "GET", lambda w, r, x: f"{API}/classifier/cases/{num(w, r, x)}/similar",
        expect(OK, anonymous=NO, resident=NO), expect(OK, anonymous=NO, resident=NO, **OUT_OF_SCOPE),
    ),
    # programmes (督查督办)
    "GET /api/v1/programmes": Route("GET", lambda w, r, x: f"{API}/programmes", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "POST /api/v1/programmes": Route(
        "POST", lambda w, r, x: f"{API}/programmes", allow("admin"), body=lambda w, r, x: {"code": "T-NEW", "name": "新行动"}, json=True,
    ),
    "GET /api/v1/programmes/tasks": Route("GET", lambda w, r, x: f"{API}/programmes/tasks", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "GET /api/v1/programmes/tasks/{task_id}": Route(
        "GET", lambda w, r, x: f"{API}/programmes/tasks/{w.prog[x]['task']}",
        allow("handler", "unit_leader", "leader", "auditor", "admin"), allow("leader", "auditor", "admin"),
    ),
    "POST /api/v1/programmes/tasks/{task_id}/reports": Route(
        "POST", lambda w, r, x: f"{API}/programmes/tasks/{w.prog[x]['task']}/reports", allow("handler", "unit_leader"), expect(NO),
        body=lambda w, r, x: {"period": "2025-Q2", "value": 3}, json=True,
    ),
    "GET /api/v1/programmes/reports/pending": Route(
        "GET", lambda w, r, x: f"{API}/programmes/reports/pending", allow("handler", "unit_leader", "leader", "auditor", "admin")
    ),
    "POST /api/v1/programmes/reports/{report_id}/approve": Route(
        "POST", lambda w, r, x: f"{API}/programmes/reports/{w.prog[x]['report']}/approve", allow("leader"), allow("leader"), json=True,
    ),
    "POST /api/v1/programmes/reports/{report_id}/return": Route(
        "POST", lambda w, r, x: f"{API}/programmes/reports/{w.prog[x]['report']}/return", allow("leader"), allow("leader"),
        body=lambda w, r, x: {"reason": "请补充材料"}, json=True,
    ),
    "GET /api/v1/programmes/units": Route("GET", lambda w, r, x: f"{API}/programmes/units", allow("handler", "unit_leader", "leader", "auditor", "admin")),
    "GET /api/v1/programmes/{code}": Route(
        "GET", lambda w, r, x: f"{API}/programmes/{w.prog[x]['code']}",
        allow("handler", "unit_leader", "leader", "auditor", "admin"), expect(NO, leader=OK, auditor=OK, admin=OK, handler=NF, unit_leader=NF),
    ),
    "PATCH /api/v1/programmes/{code}": Route(
        "PATCH", lambda w, r, x: f"{API}/programmes/{w.prog[x]['code']}", allow("admin"), allow("admin"),
        body=lambda w, r, x: {"summary": "改"}, json=True,
    ),
    "POST /api/v1/programmes/{code}/indicators": Route(
        "POST", lambda w, r, x: f"{API}/programmes/{w.prog[x]['code']}/indicators", allow("admin"), allow("admin"),
        body=lambda w, r, x: {"code": f"T-{x}-2", "name": "新指标", "measure_unit": "个", "baseline": 0,
                              "baseline_date": "2025-01-01", "target": 5, "target_date": "2027-12-31"}, json=True,
    ),
    "PATCH /api/v1/programmes/indicators/{indicator_code}": Route(
        "PATCH", lambda w, r, x: f"{API}/programmes/indicators/{w.prog[x]['indicator']}", allow("admin"), allow("admin"),
        body=lambda w, r, x: {"target": 12}, json=True,
    ),
    "GET /api/v1/classifier/versions": Route("GET", lambda w, r, x: f"{API}/classifier/versions", allow(*STAFF)),
}


# --------------------------------------------------------------------------- enumeration
def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def page_routes() -> set[str]:
    out = set()
    for route in _walk(get_resolver()):
        if route.startswith("admin/") and route != "admin/":
            continue  # Django's admin internals: the index is checked, the rest is the admin's own
        if route.startswith(("api/v1/", "open311/", "media/", "static/")):
            continue  # the API is walked from its OpenAPI document; Open311 is public (checked below)
        out.add(route)
    return out


def api_operations() -> set[str]:
    schema = Client().get(f"{API}/openapi.json").json()
    ops = {f"{m.upper()} {p}" for p, methods in schema["paths"].items() for m in methods}
    # the API's own pages, which the document does not list
    return ops | {"GET /api/v1/openapi.json", "GET /api/v1/docs"}


def api_resolver_paths() -> set[str]:
    # a path converter (<move:action>) is the same parameter as the document's {action}
    return {re.sub(r"<\w+:(\w+)>", r"<\1>", r) for r in _walk(get_resolver()) if r.startswith("api/v1/")}


def test_every_route_is_classified():
    pages = page_routes()
    assert not pages - set(PAGES), f"unclassified route(s): {sorted(pages - set(PAGES))}"
    assert not set(PAGES) - pages, f"stale entries: {sorted(set(PAGES) - pages)}"
    ops = api_operations()
    assert not ops - set(API_ROUTES), f"unclassified API operation(s): {sorted(ops - set(API_ROUTES))}"
    assert not set(API_ROUTES) - ops, f"stale entries: {sorted(set(API_ROUTES) - ops)}"
    # every API URL pattern is an operation of the document (nothing mounted beside it)
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", k.split(" ", 1)[1]).lstrip("/") for k in ops}
    undocumented = api_resolver_paths() - documented - {"api/v1/"}
    assert not undocumented, f"API route(s) outside the OpenAPI document: {sorted(undocumented)}"


# --------------------------------------------------------------------------- the walk
def outcome(response) -> str:
    status = response.status_code
    if status in (401, 403):
        return NO
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        return NO if any(p in location for p in LOGIN_PATHS) else OK
    if status == 404:
        return NF
    if 200 <= status < 300:
        return OK
    return f"status {status}"


def _request(route: Route, world: World, role: str, which: str):
    client = client_for(world, role)
    url = route.url(world, role, which)
    body = route.body(world, role, which) if route.body else {}
    if route.method == "GET":
        return client.get(url)
    if route.json:
        return client.generic(route.method, url, data=__import__("json").dumps(body), content_type="application/json")
    return client.post(url, data=body)


def _check(route: Route, world: World, role: str, which: str, wanted: str) -> str | None:
    case = world.case[which]
    before = Case.objects.filter(pk=case.pk).values("status", "version").get()
    response = _request(route, world, role, which)
    got = outcome(response)
    if route.visible is not None and got == OK:
        got = OK if route.visible(response, world, which) else NO
    writes = route.method != "GET"
    if wanted == OK and writes and got.startswith("status 4"):
        got = OK  # the permission passed; the body was refused on its merits (400/405/409/422)
    if wanted != OK and route.changes_case:
        after = Case.objects.filter(pk=case.pk).values("status", "version").get()
        if after != before:
            return f"{route.method} {response.request['PATH_INFO']} as {role} ({which}): case changed {before} -> {after}"
    if got != wanted:
        return f"{route.method} {response.request['PATH_INFO']} as {role} ({which}): expected {wanted}, got {got} ({response.status_code})"
    return None


XFAIL: dict[tuple[str, str], str] = {}


def _params(table: dict[str, Route]):
    for key in table:
        for role in ROLES:
            marks = []
            reason = table[key].xfail.get(role) or XFAIL.get((key, role))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(key, role, marks=marks, id=f"{key}|{role}")


def _walk_one(table, key, role, world):
    route = table[key]
    problems = [_check(route, world, role, "in", route.expect_in[role])]
    if route.expect_out is not None:
        problems.append(_check(route, world, role, "out", route.expect_out[role]))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "role"), list(_params(PAGES)))
def test_page_by_role(world, key, role):
    _walk_one(PAGES, key, role, world)


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "role"), list(_params(API_ROUTES)))
def test_api_by_role(world, key, role):
    _walk_one(API_ROUTES, key, role, world)


# --------------------------------------------------------------------------- beyond the table
@pytest.mark.django_db
def test_open311_post_needs_an_api_key(world):
    # given a well-formed request without an api_key
    before = Case.objects.count()
    # when it is posted
    response = Client().post(
        "/open311/v2/requests.json",
        {"service_code": "C01", "lat": POINT[1], "long": POINT[0], "description": "路灯不亮已经一周了"},
    )
    # then it is refused (403, the spec's answer to a missing key) and nothing is stored
    assert response.status_code == 403
    assert Case.objects.count() == before
    # while reading the services is public
    assert Client().get("/open311/v2/services.json").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "auditor"])
@pytest.mark.parametrize("action", ["accept", "dispatch", "sign", "reply", "supervise", "close", "rate"])
def test_read_only_roles_cannot_move_a_case(world, role, action):
    # given a case in its scope, in a state the move starts from or not
    case = world.case["in"]
    before = Case.objects.filter(pk=case.pk).values("status", "version").get()
    # when the read-only role tries the move through the API
    response = client_for(world, role).post(
        f"{API}/cases/{case.number}/{action}", data="{}", content_type="application/json"
    )
    # then it is refused for the role (not for the state), and the case is as it was
    assert response.status_code == 403, response.content
    assert Case.objects.filter(pk=case.pk).values("status", "version").get() == before


# --------------------------------------------------------------------------- personal data on every page
REQUESTER = ("张三", "13800138000")  # the world's requester, as typed: no page may show either in full
API_DOCUMENTS = ("GET /api/v1/openapi.json", "GET /api/v1/docs")  # examples, not data


def _readable(response) -> str:
    """A page's text; an XLSX export's every cell (the XML parts of its zip); a streamed file whole."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(("image/", "application/pdf")):
        return ""  # a photo or a scan: no text to read
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = zipfile.ZipFile(io.BytesIO(raw))
        return "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    return raw.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF)
def test_no_staff_page_shows_a_requesters_full_name_or_phone(world, role):
    # given every page and API read this role may open, on the case in its scope
    client = client_for(world, role)
    leaks = []
    for table in (PAGES, API_ROUTES):
        for key, route in table.items():
            if route.method != "GET" or route.expect_in[role] != OK or key in API_DOCUMENTS:
                continue
            # when it is opened
            response = client.get(route.url(world, role, "in"))
            if response.status_code != 200:
                continue
            text = _readable(response)
            # then the requester's name and phone appear masked at most
            leaks += [f"{key}: {value}" for value in REQUESTER if value in text]
    assert not leaks, leaks


@pytest.mark.django_db
def test_a_reveal_from_a_desk_is_logged_with_its_reason(world):
    from yiwang.security.models import PersonalDataReveal

    # given a dispatcher on a case of their area
    case = world.case["in"]
    # when they reveal the phone from the case page with a reason
    response = client_for(world, "dispatcher").post(
        f"/desk/dispatch/case/{case.number}/reveal/", {"reveal-field": "requester_phone", "reveal-reason": "回访核实"}
    )
    # then the page shows it to them and the log has who, which case, which field and why
    assert response.status_code == 200 and "13800138000" in response.content.decode()
    row = PersonalDataReveal.objects.get(object_label=case.number)
    assert (row.username, row.field, row.reason) == ("rr_dispatcher", "requester_phone", "回访核实")
