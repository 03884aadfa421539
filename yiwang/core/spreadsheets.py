"""Spreadsheet cells from text people typed: never a live formula (CSV / formula injection).

A case title, a reason, an area name or an import error may start with `=`, `+`, `-` or `@` (or a tab
or carriage return, which some programs skip before reading the rest as a formula). Opened in Excel
or WPS, `=HYPERLINK("http://…","点击")` would run. Every XLSX and CSV export writes its rows through
these two functions, which share the one rule `formula_like`:

    xlsx_row(ws, values)  such a string becomes a text cell (data type "s", quote prefix): shown as
                          typed, never evaluated, still text if someone edits it
    csv_row(values)       such a string gets a leading apostrophe, which spreadsheet programs read
                          as "this is text" (CSV has no cell types)

Numbers, dates and None pass unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def xlsx_row(ws, values: Iterable) -> list:
    """A row for `ws.append` (normal or write-only worksheet)."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if formula_like(value):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            value = cell
        out.append(value)
    return out


def csv_row(values: Iterable) -> list:
    """A row for `csv.writer(...).writerow`."""
    return ["'" + v if formula_like(v) else v for v in values]
