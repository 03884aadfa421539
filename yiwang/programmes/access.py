"""Who may do what with the programmes (named guards raising coded errors).

    unit handler / unit leader  read the tasks their unit leads or assists, and report for them
    leader                      reads every programme and approves or returns reports
    auditor                     reads every programme
    admin                       reads every programme, edits programmes, indicators and tasks, imports
    others                      nothing
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from yiwang.accounts.models import Role
from yiwang.core.errors import ApplicationError

from . import error_codes as codes

READ_ALL_ROLES = (Role.LEADER, Role.AUDITOR, Role.ADMIN)
UNIT_ROLES = (Role.HANDLER, Role.UNIT_LEADER)
DECIDE_ROLES = (Role.LEADER,)
EDIT_ROLES = (Role.ADMIN,)


def _deny(message) -> None:
    raise ApplicationError(codes.FORBIDDEN, message, status=403)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def reads_all(user) -> bool:
    return _signed_in(user) and user.role in READ_ALL_ROLES


def is_unit_user(user) -> bool:
    return _signed_in(user) and user.role in UNIT_ROLES and user.unit_id is not None


def check_read(user) -> None:
    """Anyone who may see some programme data (every reader, or a unit with tasks)."""
    if not (reads_all(user) or is_unit_user(user)):
        _deny(_("您无权查看专项行动督办。"))


def task_units(task) -> set[int]:
    return {task.lead_unit_id, *(u.pk for u in task.assisting_units.all())}


def can_read_task(user, task) -> bool:
    return reads_all(user) or (is_unit_user(user) and user.unit_id in task_units(task))


def check_read_task(user, task) -> None:
    if not can_read_task(user, task):
        _deny(_("该任务不属于您的单位。"))


def check_report(user, task) -> None:
    """Only a unit of the task reports for it, for itself."""
    if not is_unit_user(user) or user.unit_id not in task_units(task):
        _deny(_("只有任务的牵头或协办单位可以报送本单位的进展。"))


def can_decide(user) -> bool:
    return _signed_in(user) and user.role in DECIDE_ROLES


def check_decide(user) -> None:
    if not can_decide(user):
        _deny(_("只有领导可以审核进展报送。"))


def can_edit(user) -> bool:
    return _signed_in(user) and user.role in EDIT_ROLES


def check_edit(user) -> None:
    if not can_edit(user):
        _deny(_("只有管理员可以修改专项行动、指标和任务。"))
