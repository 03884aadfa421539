"""The registers in the JSON API, under /api/v1/grids: the grid file, register pages, one record, field
corrections, visits, and the logged reveal of a personal value."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from . import selectors, services
from .views import PATH_REGISTER

router = Router(tags=["grids"])

RegisterName = Literal["person", "building", "organisation", "facility"]


class GridFileOut(Schema):
    grid: dict[str, Any]
    chain: list[dict[str, Any]]
    workers: list[dict[str, Any]]
    counts: dict[str, Any]
    people: list[dict[str, Any]] = Field(..., description="the first rows, personal values masked")
    buildings: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    facilities: list[dict[str, Any]]
    open_cases: list[dict[str, Any]]
    open_cases_total: int
    past_cases: list[dict[str, Any]]
    past_cases_total: int
    hot_topics: list[dict[str, Any]]
    visits: list[dict[str, Any]]
    generated: bool = Field(..., description="true when the rows shown were generated for the demo")
    can_write: bool


class RegisterPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[dict[str, Any]]


class RecordOut(Schema):
    record_type: str
    record: dict[str, Any]
    history: list[dict[str, Any]]
    merges: list[dict[str, Any]]


class UpdateIn(Schema):
    fields: dict[str, Any] = Field(..., description="field -> new value, e.g. {\"phone\": \"13800138000\"}")
    note: str = Field("", max_length=200)


class VisitIn(Schema):
    kind: Literal["routine", "care", "check", "safety"] = "routine"
    note: str = Field(..., max_length=2000)


class RevealIn(Schema):
    field: str
    reason: str = ""  # required by the service (at least two characters), logged with the look


class RevealOut(Schema):
    field: str
    value: str


def _record_out(register: str, obj, user) -> dict:
    history = selectors.record_history(register=register, record_id=obj.pk, user=user)
    return {
        "record_type": register,
        "record": {**selectors.ROWS[register](obj), "grid_code": obj.grid.code if obj.grid_id else None},
        "history": [
            {"action": c.action, "fields": c.fields, "by": c.actor.username if c.actor_id else None, "source": c.source, "at": c.at.isoformat()}
            for c in history["changes"]
        ],
        "merges": [
            {"rule": m.rule, "rule_label": str(m.get_rule_display()), "source": m.source, "row": m.row_number,
             "filled": m.filled, "conflicts": m.conflicts, "at": m.at.isoformat()}
            for m in history["merges"]
        ],
    }


@router.get("/{code}", response=GridFileOut, summary="The grid's file (一格一档)")
def grid_file(request: HttpRequest, code: str):
    grid = selectors.grid_get(code=code, user=request.user)
    return selectors.grid_file(grid=grid, user=request.user)


@router.get("/{code}/{listing}", response=RegisterPageOut, summary="One page of a register in the grid (masked)")
def register_page(request: HttpRequest, code: str, listing: Literal["people", "buildings", "organisations", "facilities"], page: int = 1, kind: str = "", group: str = ""):
    grid = selectors.grid_get(code=code, user=request.user)
    rows, current = selectors.register_page(register=PATH_REGISTER[listing], grid=grid, page=page, filters={"kind": kind, "group": group})
    return {"count": current.paginator.count, "page": current.number, "pages": current.paginator.num_pages, "results": rows}


@router.get("/records/{record_type}/{record_id}", response=RecordOut, summary="One record (masked) and its history")
def record(request: HttpRequest, record_type: RegisterName, record_id: int):
    obj = selectors.record_get(register=record_type, record_id=record_id, user=request.user)
    return _record_out(record_type, obj, request.user)


@router.patch("/records/{record_type}/{record_id}", response=RecordOut, summary="Correct a record (grid worker, admin)")
def record_update(request: HttpRequest, record_type: RegisterName, record_id: int, payload: UpdateIn):
    obj = services.record_update(register=record_type, record_id=record_id, data=payload.fields, user=request.user, note=payload.note)
    return _record_out(record_type, obj, request.user)


@router.post("/records/{record_type}/{record_id}/visits", response={201: dict}, summary="Record a visit")
def record_visit(request: HttpRequest, record_type: RegisterName, record_id: int, payload: VisitIn):
    visit = services.record_visit(register=record_type, record_id=record_id, kind=payload.kind, note=payload.note, user=request.user)
    return Status(201, {"id": visit.pk, "kind": visit.kind, "at": visit.at.isoformat()})


@router.post("/records/{record_type}/{record_id}/reveal", response=RevealOut, summary="See one personal value unmasked (logged)")
def reveal(request: HttpRequest, record_type: RegisterName, record_id: int, payload: RevealIn):
    value = services.personal_reveal(
        register=record_type, record_id=record_id, field=payload.field, user=request.user,
        reason=payload.reason, address=request.META.get("REMOTE_ADDR"),
    )
    return {"field": payload.field, "value": value}
