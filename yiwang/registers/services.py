"""Writes to the registers by people: field corrections, visits, reveals of personal values.

Each one locks the record, checks the named guard for the record's grid, writes, and records who did
what in the same transaction (a Change, a Visit, a Reveal). Imports are in importing.py.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.intake.validators import Invalid
from yiwang.security.services import personal_data_reveal

from . import access
from . import error_codes as codes
from .importing import COLUMNS, KEY_FIELDS, MODELS, _groups, _refresh_keys, id_birth_gender
from .models import Change, ChangeAction, Register, Reveal, Room, Visit, VisitKind
from .personal import is_personal, shown

# What a grid worker may correct in the field, per register (parsed as the import parses them).
EDITABLE = {
    Register.PERSON: ("name", "id_number", "phone", "kind", "groups", "room", "address"),
    Register.ORGANISATION: ("name", "uscc", "kind", "legal_rep", "contact_phone", "employees", "address"),
    Register.BUILDING: ("name", "floors", "use"),
    Register.FACILITY: ("status", "owner"),
}


def record_for_update(register: str, record_id: int):
    model = MODELS.get(register)
    obj = model.objects.select_for_update(of=("self",)).select_related("grid").filter(pk=record_id).first() if model else None
    if obj is None:
        raise ApplicationError(codes.RECORD_NOT_FOUND, _("找不到该记录。"), status=404)
    return obj


def _parse(register: str, field: str, raw) -> object:
    if field == "groups":
        if isinstance(raw, list):
            raw = "、".join(raw)
        return _groups(raw) if raw else []
    text = str(raw or "").strip()
    if not text:
        return None if field in ("employees", "floors") else ""
    if field == "room":
        return text[:20]
    column = next(c for c in COLUMNS[register] if c.field == field)
    try:
        return column.parse(text)
    except Invalid as exc:
        raise ApplicationError(codes.INVALID_VALUE, exc.message, fields={field: exc.message}) from None


@transaction.atomic
def record_update(*, register: str, record_id: int, data: dict, user, note: str = "") -> object:
    """Correct a record's fields (a grid worker in the field, or an admin). Writes the history."""
    obj = record_for_update(register, record_id)
    access.check_write(user, obj.grid.code if obj.grid else None)
    changes, update_fields = {}, []
    for field, raw in data.items():
        if field not in EDITABLE.get(register, ()):
            continue
        value = _parse(register, field, raw)
        if field == "room":
            changes.update(_move_room(obj, value))
            continue
        if value == "" and field == "name":
            raise ApplicationError(codes.INVALID_VALUE, _("名称不能为空"), fields={field: _("必填")})
        old = getattr(obj, field)
        if (old or None) != (value or None):
            setattr(obj, field, value)
            update_fields.append(field)
            changes[field] = [shown(register, field, old), shown(register, field, value)]
    if register == Register.PERSON and "id_number" in update_fields and obj.id_number:
        obj.birth_date, obj.gender = id_birth_gender(obj.id_number)
        update_fields += ["birth_date", "gender"]
    if not changes:
        raise ApplicationError(codes.NOTHING_CHANGED, _("没有修改任何内容。"))
    _refresh_keys(register, obj)
    obj.updated_at = clock.now()
    if "room" in changes:
        update_fields.append("room")
    obj.save(update_fields=sorted({*update_fields, *KEY_FIELDS[register], "updated_at"}))
    Change.objects.create(
        register=register,
        record_id=obj.pk,
        action=ChangeAction.UPDATED,
        fields=changes,
        actor=user,
        source=(note or _("现场更正"))[:200],
        at=obj.updated_at,
    )
    return obj


def _move_room(person, number: str) -> dict:
    """A person's room is a number in their building (created the first time someone lives there)."""
    if person.building_id is None:
        raise ApplicationError(codes.INVALID_VALUE, _("该人员未关联楼栋，不能填写房号"), fields={"room": _("未关联楼栋")})
    old = person.room.number if person.room_id else ""
    if number == old:
        return {}
    room = Room.objects.get_or_create(building_id=person.building_id, number=number)[0] if number else None
    person.room = room
    return {"room": [old, number]}


@transaction.atomic
def record_visit(*, register: str, record_id: int, kind: str, note: str, user) -> Visit:
    """A grid worker visited a person, an organisation or a building."""
    obj = record_for_update(register, record_id)
    access.check_write(user, obj.grid.code if obj.grid else None)
    if kind not in VisitKind.values:
        raise ApplicationError(codes.INVALID_VALUE, _("未知的走访类型"), fields={"kind": kind})
    note = (note or "").strip()
    if len(note) < 2:
        raise ApplicationError(codes.INVALID_VALUE, _("请填写走访情况"), fields={"note": _("必填")})
    now = clock.now()
    visit = Visit.objects.create(register=register, record_id=obj.pk, grid=obj.grid, kind=kind, note=note[:2000], by=user, at=now)
    if hasattr(obj, "last_visited_at"):
        obj.last_visited_at = now
        obj.save(update_fields=["last_visited_at"])
    Change.objects.create(
        register=register, record_id=obj.pk, action=ChangeAction.VISITED, fields={"kind": kind}, actor=user,
        source=str(VisitKind(kind).label), at=now,
    )
    return visit


@transaction.atomic
def personal_reveal(*, register: str, record_id: int, field: str, user, reason: str = "", address: str | None = None) -> str:
    """The unmasked value of one personal field. Logged like a case's reveal, by the security app's
    `personal_data_reveal` (who, which record and field, when, why, from where; no reason, no
    value), and in the record's own history (Reveal)."""
    if not is_personal(register, field):
        raise ApplicationError(codes.NOT_PERSONAL, _("该字段不是个人信息，无须申请查看。"), fields={"field": field})
    model = MODELS[register]
    obj = model.objects.select_related("grid").filter(pk=record_id).first()
    if obj is None:
        raise ApplicationError(codes.RECORD_NOT_FOUND, _("找不到该记录。"), status=404)
    access.check_reveal(user, obj.grid.code if obj.grid else None)
    value = personal_data_reveal(user=user, obj=obj, field=field, reason=reason, address=address)
    Reveal.objects.create(user=user, register=register, record_id=obj.pk, field=field, at=clock.now())
    return value
