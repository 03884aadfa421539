"""What the `chinese_calendar` package (PyPI: chinesecalendar) knows, as plain data.

The package transcribes each year's State Council notice on holiday arrangements. It supports a
contiguous range of years (its own `_validate_date` accepts exactly min..max year of its holiday
table; 1.11.0 covers 2004–2026) and knows nothing outside it. Only the days that differ from
"Monday–Friday work, weekend rest" are returned (see models.py for why).

Pure: no Django models, so the seeding migration can use it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants

# The package's English holiday values -> the Chinese names used on screen and in the notices.
CHINESE_NAMES = {h.value: h.chinese for h in constants.Holiday}
CHINESE_NAMES.update(
    {
        constants.Holiday.new_years_day.value: "元旦",
        constants.Holiday.tomb_sweeping_day.value: "清明节",
        constants.Holiday.labour_day.value: "劳动节",
        constants.Holiday.dragon_boat_festival.value: "端午节",
        constants.Holiday.mid_autumn_festival.value: "中秋节",
        constants.Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
    }
)
MAKE_UP_WORKDAY = "调休上班"


@dataclass(frozen=True)
class LibraryDay:
    notice_year: int  # the year whose notice announced this day
    date: dt.date
    is_workday: bool
    name: str


def library_version() -> str:
    try:
        from importlib.metadata import version

        return version("chinesecalendar")
    except Exception:  # noqa: BLE001 - the version is only a note for the admin
        return "?"


def library_years() -> range:
    """Every year the installed package covers (contiguous)."""
    return range(min(constants.holidays).year, max(constants.holidays).year + 1)


def _chinese(name: str) -> str:
    return CHINESE_NAMES.get(name, name)


def _notice_year(date: dt.date, name: str) -> int:
    # The New Year arrangement of year Y can reach back into late December of Y-1.
    if date.month == 12 and name == constants.Holiday.new_years_day.value:
        return date.year + 1
    return date.year


def library_days() -> list[LibraryDay]:
    """The package's holidays on weekdays and make-up workdays on weekends, sorted by date."""
    years = library_years()
    out = []
    for date, name in constants.holidays.items():
        if date.weekday() < 5:
            out.append(LibraryDay(_notice_year(date, name), date, False, _chinese(name)))
    for date, name in constants.workdays.items():
        if date.weekday() >= 5:
            out.append(
                LibraryDay(_notice_year(date, name), date, True, f"{MAKE_UP_WORKDAY}（{_chinese(name)}）")
            )
    # Guard against a package table that reaches beyond the range it claims to support.
    out = [d for d in out if d.notice_year in years]
    return sorted(out, key=lambda d: d.date)


def library_says_workday(date: dt.date) -> bool:
    """The package's own answer, for cross-checks; raises NotImplementedError outside its years."""
    return chinese_calendar.is_workday(date)
