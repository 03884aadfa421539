"""The closed loop as one table: for each move, where it may start, where it goes, and who may make it.

`next_status` is a pure function; services.py applies it under a row lock and writes the event.
Some moves keep the status (extend, supervise): they change the case's clock or card, not its place
in the loop. `None` as a target means "decided by the payload" (verify, resume, extend decision).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import Role

from .models import Status as S

OPERATOR, DISPATCHER, HANDLER, UNIT_LEADER = Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_LEADER
GRIDWORKER, RESIDENT, ADMIN = Role.GRIDWORKER, Role.RESIDENT, Role.ADMIN
SYSTEM = "system"  # the platform itself: deadline sweep, automatic routing, follow-ups of other moves
UNIT = (HANDLER, UNIT_LEADER)


@dataclass(frozen=True)
class Move:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: same status, or decided from the payload
    roles: tuple[str, ...]
    label: str  # the move's name for people (translatable)


MOVES: dict[str, Move] = {
    m.action: m
    for m in [
        Move("accept", (S.RECEIVED,), S.ACCEPTED, (OPERATOR, DISPATCHER, SYSTEM), _("受理")),
        Move("reject", (S.RECEIVED,), S.REJECTED, (OPERATOR, DISPATCHER), _("不予受理")),
        Move("answer", (S.RECEIVED, S.ACCEPTED), S.ANSWERED, (OPERATOR, DISPATCHER), _("直接办结")),
        Move("merge", (S.RECEIVED, S.ACCEPTED, S.DISPATCHED), S.MERGED, (DISPATCHER,), _("并案")),
        Move("dispatch", (S.ACCEPTED,), S.DISPATCHED, (DISPATCHER, SYSTEM), _("派遣")),
        Move("sign", (S.DISPATCHED,), S.IN_PROGRESS, UNIT, _("签收")),
        Move("return", (S.DISPATCHED, S.IN_PROGRESS), S.RETURNED, UNIT, _("退回")),
        Move("redispatch", (S.RETURNED, S.DISPATCHED, S.IN_PROGRESS), S.DISPATCHED, (DISPATCHER,), _("改派")),
        Move("reply", (S.IN_PROGRESS,), S.REPLIED, UNIT, _("反馈")),
        # request (unit) or decide (dispatcher): the due date moves, the status does not
        Move("extend", (S.DISPATCHED, S.IN_PROGRESS), None, UNIT + (DISPATCHER,), _("延期")),
        Move("suspend", (S.DISPATCHED, S.IN_PROGRESS, S.RETURNED), S.SUSPENDED, (DISPATCHER,), _("挂起")),
        Move("resume", (S.SUSPENDED,), None, (DISPATCHER, SYSTEM), _("恢复")),
        Move(
            "supervise",
            (S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REPLIED, S.VERIFYING),
            None,
            (DISPATCHER, SYSTEM),
            _("督办"),
        ),
        Move("check", (S.REPLIED,), S.VERIFYING, (DISPATCHER, SYSTEM), _("派发核查")),
        # on-site verification: passed -> closed; failed -> back to the unit (重办)
        Move("verify", (S.VERIFYING, S.REPLIED), None, (GRIDWORKER, DISPATCHER), _("核查")),
        Move(
            "reopen", (S.REPLIED, S.VERIFYING, S.CLOSED, S.RATED), S.IN_PROGRESS, (DISPATCHER, SYSTEM), _("重办")
        ),
        Move("close", (S.REPLIED, S.VERIFYING, S.MERGED), S.CLOSED, (DISPATCHER, SYSTEM), _("办结")),
        Move("rate", (S.CLOSED, S.ANSWERED), S.RATED, (RESIDENT, OPERATOR), _("评价")),
    ]
}

ACTIONS = tuple(MOVES)


def next_status(action: str, current: str, payload: dict, resume_status: str = "") -> str:
    """The status after `action` from `current` (assumes the move is allowed from there)."""
    move = MOVES[action]
    if move.target is not None:
        return move.target
    if action == "verify":
        return S.CLOSED if payload.get("passed") else S.IN_PROGRESS
    if action == "resume":
        return resume_status or S.IN_PROGRESS
    return current  # extend, supervise


def allowed_actions(status: str, role: str) -> list[str]:
    """Moves a role could make from a status (scope and payload checks come on top)."""
    return [a for a, m in MOVES.items() if status in m.sources and (role in m.roles or role == ADMIN)]
