"""Model fields whose values are encrypted at rest (see crypto.py for keys and rotation).

`EncryptedCharField(verbose_name, max_length=N)` takes the plain value's length limit (validated in
forms and full_clean); the column itself is unbounded text, since a token is longer than its value.
Only `exact`/`in`/`isnull` against the empty string are meaningful in queries (Fernet is randomised):
search by a blind index (crypto.blind_index) kept beside the column instead.
"""

from __future__ import annotations

from django.core import validators
from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"
    encrypted = True

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return super().to_python(value)
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        if crypto.is_encrypted(value):  # already a token (e.g. copied from another row)
            return value
        return crypto.encrypt(str(value))


class EncryptedCharField(EncryptedTextField):
    """A short personal value (name, phone, ID number). `max_length` limits the plain value."""

    description = "Short text encrypted at rest (Fernet)"

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)
        if max_length is not None:
            self.validators.append(validators.MaxLengthValidator(max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        from django import forms

        defaults = {"max_length": self.plain_max_length, "widget": forms.TextInput}
        defaults.update(kwargs)
        return super().formfield(**defaults)


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
