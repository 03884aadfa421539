"""Category and unit names in the reader's language.

Category and unit names are data, not interface text, so gettext never sees them. Each row keeps its
simplified Chinese name (`name`: what is stored, matched, exported as a key and used as the
classifier's label) and two optional ones: `name_en`, and `name_zh_hant` for a traditional form that
differs from the character-by-character conversion. What a reader sees:

- zh-hans: `name`;
- zh-hant: `name_zh_hant`, or else `name` converted with OpenCC s2t (memoised: names repeat a lot);
- en: `name_en`, or else the Chinese `name` (no machine translation on this platform).

Nothing here changes a stored value, a code or an API field that other systems parse.
"""

from __future__ import annotations

from typing import Protocol

# The rule itself is the core's (areas use it too).
from yiwang.core.language import localized_name


class Named(Protocol):
    name: str
    name_en: str
    name_zh_hant: str


def display_name(obj: Named | None, language: str | None = None) -> str:
    """A Category's or Unit's name in the active language ("" for None)."""
    if obj is None:
        return ""
    return localized_name(
        obj.name,
        name_en=getattr(obj, "name_en", "") or "",
        name_zh_hant=getattr(obj, "name_zh_hant", "") or "",
        language=language,
    )


def display_path(category, language: str | None = None) -> str:
    """A category's path (环境保护 / 大气污染) in the active language."""
    if category is None:
        return ""
    return " / ".join(display_name(node, language) for node in reversed(category.lineage()))


def label_names(labels, language: str | None = None) -> dict[str, str]:
    """{classifier label: display name} for level-1 category names used as model labels, in one query.

    A label with no category of that name (an old model's label) is shown as it is.
    """
    from .models import Category

    labels = {str(label) for label in labels if label}
    found = {
        c.name: display_name(c, language)
        for c in Category.objects.filter(level=1, name__in=labels).only("name", "name_en", "name_zh_hant")
    }
    return {label: found.get(label) or localized_name(label, language=language) for label in labels}


def label_name(label: str, language: str | None = None) -> str:
    """One classifier label (a level-1 Chinese name) in the active language."""
    if not label:
        return ""
    return label_names([label], language).get(str(label), str(label))
