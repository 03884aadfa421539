"""Insert new rows of one model in one statement, compiled once per process.

The write path (every case created, every move) inserts the same few kinds of rows: the case, its
audit events, their outbox rows. Django's `bulk_create` compiles the INSERT again for every call and
runs each value through its field's `pre_save` and `get_db_prep_save`; for a 40-column case that was
about a millisecond of CPU per row (bench/intake.py --profile-only). `insert_rows` keeps the statement
per (model, columns, row count, database) and prepares a value only where preparing can change it:
a `str` for a text column, an `int` for an integer or a foreign key and a `bool` for a boolean go as
they are (Django's own preparation returns them unchanged); everything else — dates, JSON, decimals,
lists, None — goes through the field's `get_db_prep_save`, so each backend sees exactly what
`bulk_create` would have sent.

What it does not do, by design: no signals (as `bulk_create`), no expressions as values (it falls
back to `bulk_create`), no fields with a custom placeholder, no multi-table inheritance. The new
primary keys come back with RETURNING (PostgreSQL; SQLite 3.35+), so each object ends up as
`bulk_create` leaves it: pk set, `_state.adding` False, `_state.db` the database written.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connections, models, router

# Beyond this many values one statement could pass SQLite's limit: bulk_create splits it into batches.
_MAX_PARAMS = 900
# The statements compiled: (model, with pk?, rows, vendor) -> SQL. Bounded by the row counts used.
_STATEMENTS: dict[tuple, str] = {}

# Field classes whose preparation is the identity for a value of exactly these Python types.
_PASS_THROUGH: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
}


def _pass_through_types(field: models.Field) -> tuple[type, ...]:
    if isinstance(field, models.ForeignKey):
        return _pass_through_types(field.target_field)
    if field.__class__ in (models.AutoField, models.BigAutoField, models.SmallAutoField):
        return (int,)
    return _PASS_THROUGH.get(field.__class__, ())  # the exact class: a subclass may prepare (encrypt)


def _needs_pre_save(field: models.Field) -> bool:
    """Only a field whose class changes pre_save (auto_now dates, files) needs it called."""
    return type(field).pre_save is not models.Field.pre_save


@cache
def _plan(model: type[models.Model], with_pk: bool):
    """The columns written and, per column, how its value is read: (field, pass-through types, pre_save?)."""
    opts = model._meta
    if opts.parents:
        return None  # multi-table inheritance: leave it to Django
    fields = [f for f in opts.concrete_fields if with_pk or not f.primary_key]
    if any(hasattr(f, "get_placeholder") for f in fields):
        return None
    return [(f, _pass_through_types(f), _needs_pre_save(f)) for f in fields]


def _sql(model: type[models.Model], with_pk: bool, rows: int, connection) -> str:
    key = (model, with_pk, rows, connection.vendor)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _compile(model, with_pk, rows, connection.ops.quote_name)
    return _STATEMENTS[key]


def _compile(model: type[models.Model], with_pk: bool, rows: int, quote) -> str:
    opts = model._meta
    columns = [f.column for f, _types, _pre in _plan(model, with_pk)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(c) for c in columns)}) "
            f"VALUES {', '.join([row] * rows)} RETURNING {quote(opts.pk.column)}")


def insert_rows(objs: Sequence[models.Model], *, using: str | None = None) -> None:
    """INSERT `objs` (new instances of one model) in one statement and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    with_pk = objs[0].pk is not None
    plan = _plan(model, with_pk)
    if (plan is None or not connection.features.can_return_rows_from_bulk_insert
            or len(objs) * len(plan) > _MAX_PARAMS or any(type(o) is not model or (o.pk is not None) != with_pk for o in objs)):
        model._default_manager.using(alias).bulk_create(objs)
        return
    params: list = []
    for obj in objs:
        for field, types, pre in plan:
            value = field.pre_save(obj, True) if pre else getattr(obj, field.attname)
            if value is None or (types and type(value) in types):
                params.append(value)
            elif hasattr(value, "resolve_expression"):
                model._default_manager.using(alias).bulk_create(objs)
                return
            else:
                params.append(field.get_db_prep_save(value, connection))
    sql = _sql(model, with_pk, len(objs), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    pk_attname = model._meta.pk.attname
    for obj, pk in zip(objs, ids, strict=True):
        if not with_pk:
            setattr(obj, pk_attname, pk)
        obj._state.adding = False
        obj._state.db = alias
