"""Masking of personal values for lists and screens (the value itself is seen only by a logged reveal).

    name   张*明  李*  欧阳**锋  (first and last character kept; two characters: the first)
    phone  138****5678  0750****3456  +852****1234  (prefix and the last four digits kept)
    id     4407**********123X  (the first four and last four characters kept)
    any    the first character, then stars

Every function is total: any string in, a string of the same kind out, never the hidden part.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def mask_name(value: str) -> str:
    value = _SPACES.sub("", value or "")
    if len(value) <= 1:
        return "*" if value else ""
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_phone(value: str) -> str:
    value = _SPACES.sub("", value or "")
    digits = sum(c.isdigit() for c in value)
    if digits < 8:  # too short to keep anything without giving most of it away
        return "*" * len(value)
    if value.startswith("+"):
        head = value[:4]
    elif value.startswith("0") and "-" in value:
        head = value.split("-", 1)[0]
    else:
        head = value[:3]
    tail = value[-4:]
    hidden = value[len(head) : len(value) - 4]
    if sum(c.isdigit() for c in hidden) < 3:
        return "*" * len(value)
    return f"{head}****{tail}"


def mask_id_number(value: str) -> str:
    value = _SPACES.sub("", value or "")
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_text(value: str) -> str:
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


MASKS = {"name": mask_name, "phone": mask_phone, "id": mask_id_number, "text": mask_text}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value)
