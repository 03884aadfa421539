"""Personal data in the registers, defined in one place.

Every column holding personal data is made by `personal_field()` (encrypted at rest), and listed in PERSONAL_FIELDS with
how it is masked. No code filters or orders on a personal column.
Equality lookups (duplicate resolution) go through keyed digests (`digest()`, HMAC-SHA256 with the
project's secret), which stay searchable when the columns themselves are encrypted.

Masking (lists show masked values by default; seeing the value is an explicit, logged reveal) is the
platform's one rule, yiwang.security.masking: 张*明, 李*, 138****5678, 0750****3456, 4407**********123X.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.db import models

from yiwang.security import masking
from yiwang.security.fields import EncryptedCharField


def personal_field(verbose_name, *, max_length: int, blank: bool = True) -> models.Field:
    """The one column type for personal data: encrypted at rest (yiwang.security, YIWANG_FIELD_KEYS)."""
    return EncryptedCharField(verbose_name, max_length=max_length, blank=blank)


# model name -> {field: mask kind}. Everything here is masked in lists and revealed only by a logged action.
PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "person": {"name": "name", "id_number": "id", "phone": "phone"},
    "organisation": {"legal_rep": "name", "contact_phone": "phone"},
}


def normalise(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def digest(*parts: str) -> str:
    """A keyed digest of normalised values, for equality lookups that survive encryption at rest.
    Empty when any part is empty: a missing value never matches another missing value."""
    cleaned = [normalise(p) for p in parts]
    if not all(cleaned):
        return ""
    key = ("registers:" + settings.SECRET_KEY).encode()
    return hmac.new(key, "\x1f".join(cleaned).encode(), hashlib.sha256).hexdigest()


def mask(register: str, field: str, value: str) -> str:
    kind = PERSONAL_FIELDS.get(register, {}).get(field)
    return masking.mask(kind, value) if kind else value


def is_personal(register: str, field: str) -> bool:
    return field in PERSONAL_FIELDS.get(register, {})


def shown(register: str, field: str, value) -> object:
    """A value as a record's history keeps it: lists as they are, anything else as text, masked if personal."""
    if isinstance(value, list):
        return value
    return mask(register, field, "" if value is None else str(value))
