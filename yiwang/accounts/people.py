"""How a person is named to others: their name and their unit (or area), never their login name,
which stands in only for an account without a recorded name."""

from __future__ import annotations


def person_place(user) -> str:
    """The unit the person works for (in the reader's language), else the area they cover."""
    if getattr(user, "unit_id", None) and user.unit is not None:
        return user.unit.display_name
    if getattr(user, "area_id", None) and user.area is not None:
        return user.area.name
    return ""


def person_name(user) -> str:
    """梁伟文 · 江门市住房和城乡建设局; "" for no one."""
    if user is None or not getattr(user, "pk", None):
        return ""
    name = user.get_full_name() or user.get_username()
    place = person_place(user)
    return f"{name} · {place}" if place else name
