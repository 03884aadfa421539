"""The personal-data fields of the platform, in one place: model label -> {field: mask kind}.

Used by the reveal service `services.personal_data_reveal` (only these fields can be revealed). Other
apps add theirs with `register()` in their AppConfig.ready, e.g. registers' PERSONAL_FIELDS.
`yiwang rotate_keys` finds its columns by field type (`fields.encrypted_fields`), and retention
names the case fields it empties itself.
"""

from __future__ import annotations

PERSONAL_FIELDS: dict[str, dict[str, str]] = {
    "cases.case": {"requester_name": "name", "requester_phone": "phone", "requester_id_number": "id"},
    "accounts.user": {"phone": "phone"},
}


def register(model_label: str, fields: dict[str, str]) -> None:
    PERSONAL_FIELDS.setdefault(model_label.lower(), {}).update(fields)


def mask_kind(model_label: str, field: str) -> str | None:
    return PERSONAL_FIELDS.get(model_label.lower(), {}).get(field)
