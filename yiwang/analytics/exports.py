"""XLSX export of a cockpit list (openpyxl): the ranked rows with every measure, numerators and
denominators, the weights of the score, and a sheet with the definitions (in the reader's language
only). Times are written in local time (Asia/Shanghai); a period that has not ended says so."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from yiwang.core.language import join_names
from yiwang.core.spreadsheets import xlsx_row

from .measures import COUNT_LABELS, RATES, definition_rows

COUNT_COLUMNS = (
    "received",
    "dispatched",
    "withdrawn",
    "responded",
    "returned",
    "replied",
    "reopened",
    "closed",
    "closed_on_time",
    "rated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "solved",
    "unsolved",
    "merged",
    "answered",
    "rejected",
    "suspended",
    "extended",
    "yellow_cards",
    "red_cards",
)


def weights_text(w: dict) -> str:
    return _("综合得分 = 响应率×%(r)s%% + 解决率×%(s)s%% + 满意率×%(t)s%%；基本满意按 %(b)s 计入满意") % {
        "r": w["response"],
        "s": w["resolution"],
        "t": w["satisfaction"],
        "b": w["basically_satisfied_share"],
    }


def local_time_text(moment) -> str:
    """An aware datetime as the local wall clock (YYYY-MM-DD HH:MM); "-" for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def incomplete_text() -> str:
    return _("不完整周期：本期尚未结束，与上期的比较只是到目前为止的数字")


def _definitions_sheet(wb, bold) -> None:
    """The definitions sheet, all of it in the active language (names and texts alike)."""
    defs = wb.create_sheet(_("定义"))
    defs.append(xlsx_row(defs, [_("指标"), _("定义")]))
    for cell in defs[1]:
        cell.font = bold
    for name, text in definition_rows():
        defs.append(xlsx_row(defs, [name, text]))
    defs.column_dimensions["A"].width = 24
    defs.column_dimensions["B"].width = 120


def workbook_bytes(table: dict, *, scope) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("指标")
    bold = Font(bold=True)
    scope_name = scope.area.name if scope.area else _("全市")
    ws.append(
        xlsx_row(
            ws,
            [
                _("%(scope)s 12345 绩效指标 · %(period)s · 按%(group)s")
                % {"scope": scope_name, "period": table["period"], "group": table["group"]}
            ],
        )
    )
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(xlsx_row(ws, [weights_text(table["weights"])]))
    if table.get("previous_period"):
        ws.append(
            xlsx_row(
                ws,
                [
                    _("上期 %(p)s：") % {"p": table["previous_period"]}
                    + weights_text(table["previous_weights"])
                ],
            )
        )
    status = table["status"]
    ws.append(xlsx_row(ws, [_("数据截至：%(t)s") % {"t": local_time_text(status["last_event_at"])}]))
    if table.get("incomplete"):
        ws.append(xlsx_row(ws, [incomplete_text()]))
    ws.append(xlsx_row(ws, []))
    header = [_("排名"), _("上期排名"), _("编码"), _("名称"), _("综合得分"), _("上期得分"), _("变化")]
    header += [str(label) for label in RATES.values()]
    header += [_("逾期办结"), _("当前超期")]
    header += [str(COUNT_LABELS[c]) for c in COUNT_COLUMNS]
    ws.append(xlsx_row(ws, header))
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = bold

    def line(row: dict) -> list:
        values = [
            row.get("rank"),
            row.get("previous_rank"),
            row["code"],
            row.get("display_name") or row["name"],
            row["score"],
            row.get("previous_score"),
            row.get("score_change"),
        ]
        values += [row["measures"][code]["value"] for code in RATES]
        values += [row["overdue_closed"], row["overdue_now"]]
        values += [row["counts"][c] for c in COUNT_COLUMNS]
        return values

    for row in table["rows"]:
        ws.append(xlsx_row(ws, line(row)))
    total = dict(table["total"])
    ws.append(xlsx_row(ws, line(total)))
    for cell in ws[ws.max_row]:
        cell.font = bold
    first_rate = 8
    for r in range(header_row + 1, ws.max_row + 1):
        for col in range(first_rate, first_rate + len(RATES) - 1):
            ws.cell(row=r, column=col).number_format = "0.00%"
        ws.cell(row=r, column=first_rate + len(RATES) - 1).number_format = "0.0"
    for col, width in ((3, 16), (4, 28)):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=5)

    _definitions_sheet(wb, bold)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_workbook_bytes(data: dict) -> bytes:
    """The monthly report: one sheet each for the measures, the area and unit rankings, hot spots,
    hot topics and early warnings, and the definitions."""
    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = _("指标")
    scope = data["scope"]
    period = data["period"]
    ws.append(
        xlsx_row(
            ws,
            [
                _("%(scope)s 12345 月度报告 · %(period)s")
                % {"scope": scope.area.name if scope.area else _("全市"), "period": period.code}
            ],
        )
    )
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(xlsx_row(ws, [weights_text(data["weights"])]))
    ws.append(xlsx_row(ws, [_("数据截至：%(t)s") % {"t": local_time_text(data["areas"]["status"]["last_event_at"])}]))
    if period.incomplete:
        ws.append(xlsx_row(ws, [incomplete_text()]))
    ws.append(xlsx_row(ws, []))
    ws.append(xlsx_row(ws, [_("指标"), _("本期"), _("上期"), _("分子"), _("分母")]))
    for cell in ws[ws.max_row]:
        cell.font = bold
    total, before = data["total"], data["previous_total"]
    ws.append(xlsx_row(ws, [_("综合得分"), total["score"], before["score"]]))
    for code, label in RATES.items():
        m = total["measures"][code]
        row = [str(label), m["value"], before["measures"][code]["value"], m["numerator"], m["denominator"]]
        ws.append(xlsx_row(ws, row))
        if code != "handling_hours":
            for col in (2, 3):
                ws.cell(row=ws.max_row, column=col).number_format = "0.00%"
    ws.append(xlsx_row(ws, [_("逾期办结"), total["overdue_closed"], before["overdue_closed"]]))
    for code in ("received", "dispatched", "closed", "rated"):
        ws.append(xlsx_row(ws, [str(COUNT_LABELS[code]), total["counts"][code], before["counts"][code]]))
    ws.column_dimensions["A"].width = 28
    for key, title in (("areas", _("区域排名")), ("units", _("承办单位排名"))):
        sheet = wb.create_sheet(title)
        sheet.append(
            xlsx_row(
                sheet,
                [_("排名"), _("上期排名"), _("编码"), _("名称"), _("综合得分"), _("上期得分"), _("变化")]
                + [str(label) for label in RATES.values()],
            )
        )
        for cell in sheet[1]:
            cell.font = bold
        for r in data[key]["rows"]:
            sheet.append(
                xlsx_row(
                    sheet,
                    [
                        r["rank"],
                        r["previous_rank"],
                        r["code"],
                        r.get("display_name") or r["name"],
                        r["score"],
                        r["previous_score"],
                        r["score_change"],
                    ]
                    + [r["measures"][c]["value"] for c in RATES],
                )
            )
        sheet.column_dimensions["D"].width = 28
    sheet = wb.create_sheet(_("热点"))
    sheet.append(xlsx_row(sheet, [_("热点网格"), "", "", "", _("热点六边形（H3 8 级）")]))
    sheet.append(xlsx_row(sheet, [_("编码"), _("名称"), _("件数"), "", _("编码"), _("地点"), _("件数")]))
    for cell in sheet[2]:
        cell.font = bold
    grids, cells = data["hot_grids"]["cells"], data["hot_cells"]["cells"]
    for i in range(max(len(grids), len(cells))):
        g = grids[i] if i < len(grids) else {}
        c = cells[i] if i < len(cells) else {}
        sheet.append(
            xlsx_row(
                sheet,
                [
                    g.get("key"),
                    g.get("name"),
                    g.get("count"),
                    None,
                    c.get("key"),
                    c.get("name"),
                    c.get("count"),
                ],
            )
        )
    sheet.column_dimensions["B"].width = 28
    sheet = wb.create_sheet(_("热点话题"))
    sheet.append(xlsx_row(sheet, [_("代表诉求"), _("关键词"), _("件数"), _("近 7 天"), _("前 7 天")]))
    for cell in sheet[1]:
        cell.font = bold
    for t in data["topics"]:
        sheet.append(
            xlsx_row(sheet, [t["title"], join_names(t["keywords"]), t["size"], t["recent"], t["earlier"]])
        )
    sheet.column_dimensions["A"].width = 50
    sheet = wb.create_sheet(_("预警"))
    sheet.append(
        xlsx_row(sheet, [_("日期"), _("区域"), _("分类"), _("窗口内受理量"), _("基线"), _("相关诉求")])
    )
    for cell in sheet[1]:
        cell.font = bold
    for a in data["alerts"]:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    a["day"],
                    a["area_name"],
                    a.get("category_display_name") or a["category_name"],
                    a["observed"],
                    a["expected"],
                    " ".join(a["cases"][:50]),
                ],
            )
        )
    _definitions_sheet(wb, bold)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
