import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime on the Asia/Shanghai wall clock."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
