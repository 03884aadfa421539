"""The few SQL expressions that differ between PostgreSQL and SQLite, for the projector's queries.

The projector works on integers: every instant becomes epoch milliseconds once, and local days,
times of day and working time are integer arithmetic on it (no time-zone conversion per row). The
local wall clock is that of WORKDAY_TIME_ZONE (Asia/Shanghai, as the deadlines), taken as a fixed
offset from UTC: exact for zones without daylight saving (China since 1991); other zones are refused.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from yiwang.workdays.snapshot import current_schedule

DAY_MS = 86_400_000


def local_offset_ms() -> int:
    tz = current_schedule().tz
    offsets = {dt.datetime(2024, month, 15, 12, tzinfo=tz).utcoffset() for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        raise ImproperlyConfigured(
            "the measures need a WORKDAY_TIME_ZONE without daylight saving (a fixed offset from UTC)"
        )
    return int(offsets.pop().total_seconds() * 1000)


class Dialect:
    vendor = ""

    def __init__(self) -> None:
        self.offset_ms = local_offset_ms()

    # JSON payload fields (CaseEvent.payload)
    def json_text(self, col: str, key: str) -> str:
        raise NotImplementedError

    def json_is(self, col: str, key: str, value: bool) -> str:
        raise NotImplementedError

    # instants as epoch milliseconds: a datetime column, an ISO 8601 text from a payload
    def epoch_ms(self, col: str) -> str:
        raise NotImplementedError

    def json_epoch_ms(self, expr: str) -> str:
        raise NotImplementedError

    # local days as integers (days since 1970-01-01 on the local wall clock) and back to dates
    def day_number(self, ms: str) -> str:
        return f"(({ms}) + {self.offset_ms}) / {DAY_MS}"

    def seconds_of_day(self, ms: str) -> str:
        local = f"(({ms}) + {self.offset_ms})"
        return f"(({local} - ({local} / {DAY_MS}) * {DAY_MS}) / 1000)"

    def date_of_day_number(self, n: str) -> str:
        raise NotImplementedError

    def month_of_day(self, day: str) -> str:
        raise NotImplementedError

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})"

    def temp_table(self, name: str, columns: str) -> str:
        return f"CREATE TEMP TABLE {name} ({columns})"


class Postgres(Dialect):
    vendor = "postgresql"

    def json_text(self, col, key):
        return f"({col} ->> '{key}')"

    def json_is(self, col, key, value):
        return f"({col} -> '{key}') = '{'true' if value else 'false'}'::jsonb"

    def epoch_ms(self, col):
        # date_part gives a float (EXTRACT a numeric, far slower); rounding to the millisecond
        return f"(date_part('epoch', {col}) * 1000)::bigint"

    def json_epoch_ms(self, expr):
        return self.epoch_ms(f"({expr})::timestamptz")

    def date_of_day_number(self, n):
        return f"(DATE '1970-01-01' + ({n})::integer)"

    def month_of_day(self, day):
        return f"date_trunc('month', {day})::date"

    def temp_table(self, name, columns):
        return f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP"


class Sqlite(Dialect):
    vendor = "sqlite"

    def json_text(self, col, key):
        return f"json_extract({col}, '$.{key}')"

    def json_is(self, col, key, value):
        return f"json_extract({col}, '$.{key}') = {1 if value else 0}"

    def epoch_ms(self, col):
        return f"CAST(ROUND((julianday({col}) - 2440587.5) * 86400000.0) AS INTEGER)"

    def json_epoch_ms(self, expr):
        return self.epoch_ms(expr)

    def date_of_day_number(self, n):
        return f"date(({n}) * 86400, 'unixepoch')"

    def month_of_day(self, day):
        return f"date({day}, 'start of month')"

    def greatest(self, a, b):
        return f"MAX({a}, {b})"

    def least(self, a, b):
        return f"MIN({a}, {b})"


def current_dialect() -> Dialect:
    if connection.vendor == "postgresql":
        return Postgres()
    if connection.vendor == "sqlite":
        return Sqlite()
    raise ImproperlyConfigured(f"the measures support PostgreSQL and SQLite, not {connection.vendor}")
