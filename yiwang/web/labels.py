"""Translatable names of the moves, as people read them on the pages and timelines."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "create": _("登记"),
    "accept": _("受理"),
    "reject": _("不予受理"),
    "answer": _("直接办结"),
    "merge": _("并案"),
    "dispatch": _("派遣"),
    "sign": _("签收"),
    "return": _("退回"),
    "redispatch": _("改派"),
    "reply": _("反馈"),
    "extend": _("延期"),
    "suspend": _("挂起"),
    "resume": _("恢复"),
    "supervise": _("督办"),
    "check": _("派发核查"),
    "verify": _("核查"),
    "reopen": _("重办"),
    "close": _("办结"),
    "rate": _("评价"),
    "supplement": _("补充"),
    "import": _("历史导入"),  # a case loaded from an earlier system (intake.services.cases_import)
}

# The button of each move on a desk (what the person does, in a verb they would use).
ACTION_BUTTONS = {
    "accept": _("受理"),
    "reject": _("不予受理"),
    "answer": _("直接答复办结"),
    "merge": _("并案"),
    "dispatch": _("派遣"),
    "sign": _("签收"),
    "return": _("退回派遣员"),
    "redispatch": _("改派"),
    "reply": _("提交答复"),
    "extend": _("延期"),
    "suspend": _("挂起"),
    "resume": _("恢复办理"),
    "supervise": _("督办"),
    "check": _("派发现场核查"),
    "verify": _("提交核查结果"),
    "reopen": _("重办"),
    "close": _("办结"),
    "rate": _("提交评价"),
}

# One line on what each move does, shown above its form.
ACTION_HELP = {
    "accept": _("确认受理，进入派遣队列。可同时修正分类。"),
    "reject": _("不属于受理范围的，说明理由后不予受理（群众会收到理由）。"),
    "answer": _("咨询类可直接答复并办结。"),
    "merge": _("与另一件诉求为同一事项时并入主件，随主件办结。"),
    "dispatch": _("派给主办单位（可加协办单位）；不选则按权责清单。可同时修正分类。"),
    "redispatch": _("改派给其他单位；维持原单位即驳回退单。可同时修正分类。"),
    "sign": _("确认本单位承办，开始办理。"),
    "return": _("非本单位职责的，说明理由退回派遣员。"),
    "reply": _("办理完毕后答复群众；答复后转网格员现场核查。"),
    "extend": _("在办理时限内无法办结的，申请延期（由派遣员审批）。"),
    "suspend": _("因客观原因暂停计时。"),
    "resume": _("恢复办理，时限顺延。"),
    "supervise": _("临近或超过时限的，亮黄牌或红牌督办。"),
    "check": _("交网格员现场核查。"),
    "verify": _("到现场查看问题是否已解决。"),
    "reopen": _("退回承办单位重新办理，须说明原因。"),
    "close": _("确认办结，群众将收到评价邀请。"),
}


# An extension is one move with three meanings: the unit's request and the dispatcher's decision.
EXTEND_LABELS = {
    "requested": pgettext_lazy("timeline", "申请延期"),
    "approve": pgettext_lazy("timeline", "批准延期"),
    "deny": pgettext_lazy("timeline", "不批准延期"),
}


def event_label(action: str, payload: dict | None) -> str:
    """What an event was, in words: the move's name, or for an extension what actually happened
    (a request is not an extension until it is approved)."""
    if action == "extend":
        label = EXTEND_LABELS.get((payload or {}).get("request"))
        if label is not None:
            return str(label)
    return str(ACTION_LABELS.get(action, action))
