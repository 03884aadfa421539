"""The measures of the cockpit (Beijing 接诉即办 practice), each defined next to the code computing it.

Everything here is arithmetic on counters summed from the rollups (models.COUNTERS); the counters
themselves are made by projection.py from the case events. docs/measures.md is the long form.

Periods. A count belongs to the local day (Asia/Shanghai wall clock) of its anchor, and so to that
day's ISO week, month and year. Anchors: most counts are anchored at their own event; the outcome
of a dispatch (responded in time, returned, withdrawn) is anchored at the dispatch it answers, and a
重办 at the reply it sends back, so that every numerator counts a subset of its denominator.

Units. A count goes to the lead unit of the dispatch in force at its event (the latest 派遣/改派
before it). Intake counts (received, answered, rejected) have no unit and appear only in area and
city figures. A rating of a merged case goes to the unit handling its main case.

Areas, request type and category. The case's district, town, community and grid (from its point or
address), its request type and its first-level category.

Merged, returned, reopened, suspended cases:
- merged 并案: counted once as `merged` when merged. It is not a closure of its own (it follows its
  main case, whose closure counts once); a requester's rating of it counts like any other rating,
  for the main case's unit. A case merged while dispatched, before the unit acted and within the
  response deadline, is `withdrawn`: that dispatch leaves the response rate's denominator.
- returned 退回: each return counts against the dispatch it answers (returned, and responded when
  the unit returned it unsigned within the response deadline); the 改派 that follows is a new
  dispatch, to the new unit, with its own response.
- reopened 重办 (a failed on-site verification, or a reopen after closure or rating): counts once
  against the reply it sends back; the case's later reply and closure count again when they happen,
  and a closure after the deadline counts as late. Every rating counts in the month it is given, so
  a case rated, reopened and rated again has two ratings.
- suspended 挂起: counted as `suspended`; the suspended working time is left out of the handling
  time, and the deadlines were already moved by the cases app when it resumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .models import COUNTERS

WORKDAY_HOURS_DEFAULT = 7.5


@dataclass(frozen=True)
class Weights:
    """The composite score's weights (percent, summing to 100) and the share of 基本满意 counted."""

    response: int = 30
    resolution: int = 35
    satisfaction: int = 35
    basically_satisfied_share: Decimal = Decimal("1")
    valid_from: str | None = None  # YYYY-MM of the ScoreWeights row; None: the settings default
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "response": self.response,
            "resolution": self.resolution,
            "satisfaction": self.satisfaction,
            "basically_satisfied_share": float(self.basically_satisfied_share),
            "valid_from": self.valid_from,
            "note": self.note,
        }


@dataclass(frozen=True)
class Value:
    value: float | None
    numerator: float
    denominator: float

    def as_dict(self) -> dict:
        return {
            "value": None if self.value is None else round(self.value, 6),
            "numerator": self.numerator,
            "denominator": self.denominator,
        }


def _ratio(num: float, den: float) -> Value:
    return Value(num / den if den else None, num, den)


def response_rate(c: dict) -> Value:
    """响应率 = dispatches the unit answered in time / dispatches it had to answer.

    Numerator `responded`: dispatches (派遣 or 改派) to the unit that it signed for (签收), or
    returned unsigned (退回), no later than the case's response deadline (Case.response_due_at).
    Denominator `dispatched - withdrawn`: every dispatch to the unit, less those the dispatcher took
    back (改派 or 并案) before the unit acted and before the deadline. Anchored at the dispatch."""
    return _ratio(c["responded"], c["dispatched"] - c["withdrawn"])


def resolution_rate(c: dict) -> Value:
    """解决率 = ratings saying "solved" / ratings that answered "solved or not".

    A rating without an answer to "solved?" is in neither. Anchored at the rating."""
    return _ratio(c["solved"], c["solved"] + c["unsolved"])


def satisfaction_rate(c: dict, weights: Weights) -> Value:
    """满意率 = (满意 + share x 基本满意) / ratings.

    share = Weights.basically_satisfied_share: 1 by default (基本满意 counts as satisfied, the usual
    12345 reading); 0.8 or 0 where a city scores it lower. Anchored at the rating."""
    share = float(weights.basically_satisfied_share)
    return _ratio(c["satisfied"] + share * c["basically_satisfied"], c["rated"])


def on_time_rate(c: dict) -> Value:
    """按时办结率 = closures by the handling deadline in force / closures.

    A closure (办结) is a close or a passed verification of a case the unit replied on; the deadline
    in force is the due_at of the latest dispatch, approved extension or resumption before it.
    Merged cases closed with their main case are not closures of their own. Anchored at the closure."""
    return _ratio(c["closed_on_time"], c["closed"])


def return_rate(c: dict) -> Value:
    """退单率 = dispatches the unit returned (退回) / dispatches to it. Anchored at the dispatch."""
    return _ratio(c["returned"], c["dispatched"])


def reopen_rate(c: dict) -> Value:
    """重办率 = replies sent back for 重办 / replies (反馈).

    重办: a failed on-site verification, or a reopen (after a reply, a closure or a rating).
    Anchored at the reply sent back, so each reply is reopened at most once."""
    return _ratio(c["reopened"], c["replied"])


def handling_hours(c: dict) -> Value:
    """平均办理时长 (working hours) = working time from the dispatch in force to the closure / closures.

    Working time: office hours on working days (yiwang.workdays: WORK_HOURS, China's holidays and
    调休), the time the case was suspended left out. 7.5 working hours make a working day."""
    den = c["closed"]
    hours = c["handling_seconds"] / 3600
    return Value(hours / den if den else None, round(hours, 4), den)


def overdue_closed(c: dict) -> int:
    """逾期办结件数 = closures after the handling deadline in force (closed - closed on time)."""
    return c["closed"] - c["closed_on_time"]


def composite(values: dict[str, Value], weights: Weights) -> float | None:
    """综合得分 (0-100) = w_response x 响应率 + w_resolution x 解决率 + w_satisfaction x 满意率,
    weights in percent summing to 100 (30/35/35 by default). None unless all three rates exist."""
    parts = (
        (weights.response, values["response_rate"].value),
        (weights.resolution, values["resolution_rate"].value),
        (weights.satisfaction, values["satisfaction_rate"].value),
    )
    if any(v is None for _, v in parts):
        return None
    return round(sum(w * v for w, v in parts), 2)


RATES = {
    "response_rate": _("响应率"),
    "resolution_rate": _("解决率"),
    "satisfaction_rate": _("满意率"),
    "on_time_rate": _("按时办结率"),
    "return_rate": _("退单率"),
    "reopen_rate": _("重办率"),
    "handling_hours": _("平均办理时长（工作小时）"),
}
COUNT_LABELS = {
    "received": _("受理量"),
    "answered": _("直接办结"),
    "rejected": _("不予受理"),
    "merged": _("并案"),
    "dispatched": _("派遣"),
    "responded": _("按时响应"),
    "withdrawn": _("撤回派遣"),
    "returned": _("退回"),
    "replied": _("反馈"),
    "reopened": _("重办"),
    "closed": _("办结"),
    "closed_on_time": _("按时办结"),
    "overdue_closed": _("逾期办结"),
    "rated": _("评价"),
    "satisfied": _("满意"),
    "basically_satisfied": _("基本满意"),
    "unsatisfied": _("不满意"),
    "solved": _("已解决"),
    "unsolved": _("未解决"),
    "suspended": _("挂起"),
    "extended": _("延期"),
    "yellow_cards": _("黄牌"),
    "red_cards": _("红牌"),
}


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def evaluate(counts: dict, weights: Weights) -> dict:
    """Every measure of one group's counters: {measures, score, overdue_closed}."""
    c = {k: int(counts.get(k) or 0) for k in COUNTERS}
    values = {
        "response_rate": response_rate(c),
        "resolution_rate": resolution_rate(c),
        "satisfaction_rate": satisfaction_rate(c, weights),
        "on_time_rate": on_time_rate(c),
        "return_rate": return_rate(c),
        "reopen_rate": reopen_rate(c),
        "handling_hours": handling_hours(c),
    }
    return {
        "counts": c,
        "values": values,
        "score": composite(values, weights),
        "overdue_closed": overdue_closed(c),
    }


def _summary(fn) -> str:
    return " ".join((fn.__doc__ or "").split("\n\n")[0].split())


# One line per measure for API clients (the docstrings' first paragraph, as the code states it);
# docs/measures.md has the long form. Pages and workbooks show DEFINITION_TEXTS instead.
DEFINITIONS = {
    "response_rate": _summary(response_rate),
    "resolution_rate": _summary(resolution_rate),
    "satisfaction_rate": _summary(satisfaction_rate),
    "on_time_rate": _summary(on_time_rate),
    "return_rate": _summary(return_rate),
    "reopen_rate": _summary(reopen_rate),
    "handling_hours": _summary(handling_hours),
    "overdue_closed": _summary(overdue_closed),
    "overdue_now": "当前超期件数 = cases in the handling clock (dispatched, in progress, returned) past "
    "their due now (live, shown for the current period only).",
    "score": _summary(composite),
    "period": "Counts belong to the local day (Asia/Shanghai) of their anchor: the event itself, or "
    "the dispatch a response or return answers, or the reply a 重办 sends back.",
}


# The same definitions in the reader's language, for the cockpit and the XLSX definitions sheets: a
# sheet read in one language, where the code's summaries mix Chinese names with English prose.
# Keep each in step with its function above and with docs/measures.md.
DEFINITION_TEXTS = {
    "response_rate": _(
        "响应率 = 承办单位在签收时限内签收或退回的派遣数 / 应响应的派遣数（派遣数减去单位响应前被改派或并案撤回的派遣），按派遣日统计。"
    ),
    "resolution_rate": _("解决率 = 评价为已解决的次数 / 回答了是否解决的评价次数，按评价日统计。"),
    "satisfaction_rate": _(
        "满意率 = (满意 + 计入比例 × 基本满意) / 评价次数；计入比例默认为 1，按评价日统计。"
    ),
    "on_time_rate": _("按时办结率 = 在当时有效的办理时限内办结的件数 / 办结件数，按办结日统计。"),
    "return_rate": _("退单率 = 承办单位退回的派遣数 / 派遣数，按派遣日统计。"),
    "reopen_rate": _("重办率 = 被退回重办的反馈数 / 反馈数（核查不通过，或反馈、办结、评价后重办），按反馈日统计。"),
    "handling_hours": _(
        "平均办理时长 = 自当时有效的派遣至办结的工作时间（小时，不含挂起时间）/ 办结件数；7.5 个工作小时为一个工作日。"
    ),
    "overdue_closed": _("逾期办结 = 超过当时有效的办理时限才办结的件数（办结数减按时办结数）。"),
    "overdue_now": _("当前超期 = 正在办理时限内流程（已派遣、处置中、已退回）且此刻已超期的件数，仅对当期显示。"),
    "score": _(
        "综合得分（0-100）= 响应权重 × 响应率 + 解决权重 × 解决率 + 满意权重 × 满意率，权重之和为 100；三项比率齐全才计算。"
    ),
    "period": _(
        "统计期：每项计数按其锚定事件在北京时间（Asia/Shanghai）的日期归入日、周、月、年；本期尚未结束时标为不完整周期。"
    ),
}
DEFINITION_NAMES = {"score": _("综合得分"), "overdue_now": _("当前超期"), "period": _("统计期")}


def definition_rows() -> list[tuple[str, str]]:
    """(name, definition) of every measure, in the active language."""
    return [
        (str(RATES.get(code) or COUNT_LABELS.get(code) or DEFINITION_NAMES[code]), str(text))
        for code, text in DEFINITION_TEXTS.items()
    ]
