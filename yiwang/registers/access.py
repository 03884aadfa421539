"""Who may see and change which part of the registers (named guards raising coded errors).

    grid worker  reads and corrects the records of their own grid (or the areas under their scope),
                 records visits, reveals personal values (each reveal logged)
    leader       reads the records under their area, masked, read-only; cannot reveal
    admin        everything, and imports department files
    others       nothing (operators, dispatchers and unit handlers see a case's place context only,
                 which holds no personal data)
Records with no grid are seen by admins only.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.core.errors import ApplicationError
from yiwang.geo.models import Level

from . import error_codes as codes

READ_ROLES = (Role.GRIDWORKER, Role.LEADER, Role.ADMIN)
WRITE_ROLES = (Role.GRIDWORKER, Role.ADMIN)
REVEAL_ROLES = (Role.GRIDWORKER, Role.ADMIN)
IMPORT_ROLES = (Role.ADMIN,)
# How much of an area's code its descendants share (the city 440700 -> 4407, a town 440703002000 -> 440703002).
PREFIX_LENGTH = {Level.CITY: 4, Level.DISTRICT: 6, Level.TOWN: 9, Level.COMMUNITY: 12, Level.GRID: 15}


def _deny(message=None):
    raise ApplicationError(codes.FORBIDDEN, message or _("您无权查看该网格的基础数据。"), status=403)


def scope_prefix(user) -> str:
    """The code prefix of every grid the user may read ("" for all), or a 403."""
    if not getattr(user, "is_authenticated", False) or user.role not in READ_ROLES:
        _deny()
    if user.role == Role.ADMIN:
        return ""
    if user.area is None:
        _deny(_("您的账号没有设置辖区或网格，请联系管理员。"))
    return user.area.code[: PREFIX_LENGTH.get(user.area.level, len(user.area.code))]


def grid_filter(user, field: str = "grid") -> Q:
    prefix = scope_prefix(user)
    return Q() if prefix == "" else Q(**{f"{field}__code__startswith": prefix})


def can_read(user, grid_code: str | None) -> bool:
    try:
        prefix = scope_prefix(user)
    except ApplicationError:
        return False
    return prefix == "" or bool(grid_code and grid_code.startswith(prefix))


def check_read(user, grid_code: str | None) -> None:
    if not can_read(user, grid_code):
        _deny()


def can_write(user, grid_code: str | None) -> bool:
    return user.role in WRITE_ROLES and can_read(user, grid_code)


def check_write(user, grid_code: str | None) -> None:
    check_read(user, grid_code)
    if user.role not in WRITE_ROLES:
        raise ApplicationError(codes.READ_ONLY, _("您的角色只能查看基础数据，不能修改。"), status=403)


def can_reveal(user, grid_code: str | None) -> bool:
    return user.role in REVEAL_ROLES and can_read(user, grid_code)


def check_reveal(user, grid_code: str | None) -> None:
    check_read(user, grid_code)
    if user.role not in REVEAL_ROLES:
        raise ApplicationError(codes.FORBIDDEN, _("您的角色不能查看个人信息明文。"), status=403)


def check_import(user) -> None:
    if not getattr(user, "is_authenticated", False) or user.role not in IMPORT_ROLES:
        _deny(_("只有管理员可以导入部门数据。"))
