"""Writes of the security app: the logged reveal of a personal value, key rotation.

Retention (`yiwang retention`) lives in yiwang.platform.retention: it empties other apps' tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import ApplicationError

from . import crypto
from . import error_codes as codes
from .fields import encrypted_fields
from .models import PersonalDataReveal
from .personal import mask_kind


# --------------------------------------------------------------------------- reveal
def personal_data_reveal(
    *, user, obj: models.Model, field: str, reason: str, address: str | None = None
) -> str:
    """The unmasked value of one personal field, after writing who asked, for what and why.

    The caller checks that the user may see this object at all (its scope); this checks the field is
    personal, the role may reveal (PERSONAL_DATA_REVEAL_ROLES) and a reason is given. The log row is
    written before the value is returned, in the same transaction as the read.
    """
    label = obj._meta.label_lower
    if mask_kind(label, field) is None:
        raise ApplicationError(
            codes.FIELD_NOT_PERSONAL,
            _("%(field)s 不是可查看的个人信息字段。") % {"field": field},
            fields={"field": _("不可查看")},
        )
    if not getattr(user, "is_authenticated", False) or (
        getattr(user, "role", None) not in settings.PERSONAL_DATA_REVEAL_ROLES and not user.is_superuser
    ):
        raise ApplicationError(codes.REVEAL_FORBIDDEN, _("您的角色无权查看完整的个人信息。"), status=403)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ApplicationError(
            codes.REVEAL_REASON_REQUIRED,
            _("查看完整的个人信息须说明理由。"),
            fields={"reason": _("请填写查看理由")},
        )
    with transaction.atomic():
        PersonalDataReveal.objects.create(
            user=user,
            username=user.get_username(),
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_label=str(getattr(obj, "number", "") or obj.pk)[:200],
            field=field,
            reason=reason[:500],
            address=address or None,
            at=clock.now(),
        )
        # Read the stored value now (not what the caller's copy holds) so the log and the value agree.
        return getattr(type(obj)._default_manager.only(field).get(pk=obj.pk), field) or ""


# --------------------------------------------------------------------------- key rotation
@dataclass
class RotationResult:
    model: str
    rows: int = 0
    values: int = 0
    fields: list[str] = field(default_factory=list)


def fields_rotate(*, model: type[models.Model], batch_size: int = 500) -> RotationResult:
    """Re-encrypt every encrypted column of `model` with the newest key (plaintext gets encrypted).

    Works on the stored tokens (MultiFernet.rotate), never on plaintext in memory; rows already under
    the newest key are left alone, so a second run writes nothing and an interrupted run can resume.
    """
    names = [f.attname for f in encrypted_fields(model)]
    result = RotationResult(model=model._meta.label_lower, fields=names)
    if not names:
        return result
    table = model._meta.db_table
    from django.db import connection

    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = [model._meta.get_field(n).column for n in names]
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            where, params = ("", []) if last is None else (f"WHERE {quote(pk)} > %s", [last])
            cur.execute(
                f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} FROM {quote(table)} {where} "
                f"ORDER BY {quote(pk)} LIMIT %s",
                [*params, batch_size],
            )
            rows = cur.fetchall()
            if not rows:
                return result
            for row in rows:
                changed = {c: crypto.rotate(v) for c, v in zip(columns, row[1:], strict=True)
                           if crypto.needs_rotation(v)}
                if changed:
                    cur.execute(
                        f"UPDATE {quote(table)} SET {', '.join(f'{quote(c)} = %s' for c in changed)} "
                        f"WHERE {quote(pk)} = %s",
                        [*changed.values(), row[0]],
                    )
                    result.rows += 1
                    result.values += len(changed)
            last = rows[-1][0]
