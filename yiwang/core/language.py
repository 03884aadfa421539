"""The requester's script: traditional Chinese in, traditional Chinese out.

Text is stored as given; search and the classifier read the simplified copy (cases.text). What the
platform writes back to a requester (a unit's reply, a notification) is converted with OpenCC into
the requester's script when it is shown or sent. English requesters get the Chinese text unchanged:
there is no machine translation on this platform (the interface around it is translated by gettext).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from django.utils.translation import get_language
from opencc import OpenCC

LANGUAGES = ("zh-hans", "zh-hant", "en")
# What clients and browsers send, mapped to the three languages the platform keeps.
ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hans": "zh-hans",
    "zh-hans-cn": "zh-hans",
    "zh-tw": "zh-hant",
    "zh-hk": "zh-hant",
    "zh-mo": "zh-hant",
    "zh-hant": "zh-hant",
    "zh-hant-tw": "zh-hant",
    "zh-hant-hk": "zh-hant",
    "zh-hant-mo": "zh-hant",
    "en": "en",
}


@lru_cache(maxsize=4)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def normalize_language(value: str | None) -> str | None:
    """'zh-TW', 'zh_HK', 'en-GB' ... -> one of LANGUAGES, or None when it is none of them."""
    if not value:
        return None
    key = value.strip().lower().replace("_", "-")
    if key in ALIASES:
        return ALIASES[key]
    if key.startswith("en"):
        return "en"
    return None


def in_requester_script(text: str, language: str | None) -> str:
    """`text` as the requester reads it: converted to traditional characters for zh-hant, else as is.

    Hong Kong and Macao forms (zh-hk, zh-mo) get Hong Kong variants (OpenCC s2hk), the rest s2t.
    """
    if not text:
        return text or ""
    key = (language or "").strip().lower().replace("_", "-")
    if key in ("zh-hk", "zh-mo", "zh-hant-hk", "zh-hant-mo"):
        return _converter("s2hk").convert(text)
    if normalize_language(key) == "zh-hant":
        return _converter("s2t").convert(text)
    return text


def detect_language(text: str) -> str:
    """zh-hant when enough characters change under traditional->simplified conversion, en when the
    text has Latin letters and no Chinese, else zh-hans."""
    text = unicodedata.normalize("NFKC", text or "")
    han = [c for c in text if "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf"]
    if not han:
        latin = sum(1 for c in text if c.isascii() and c.isalpha())
        return "en" if latin >= 3 else "zh-hans"
    sample = "".join(han[:2000])
    changed = sum(1 for a, b in zip(sample, _converter("t2s").convert(sample), strict=False) if a != b)
    # A few characters differ in simplified text too (e.g. names); traditional text changes a lot.
    return "zh-hant" if changed >= max(2, 0.08 * len(sample)) else "zh-hans"


# Names that are data (categories, units, areas): see yiwang/routing/names.py and yiwang/geo/names.py.
def active_language() -> str:
    """The active language as one of zh-hans, zh-hant, en (zh-hans when none is active)."""
    return normalize_language(get_language()) or "zh-hans"


@lru_cache(maxsize=8192)
def traditional(text: str) -> str:
    """`text` in traditional characters (OpenCC s2t, the converter the intake uses for zh-hant)."""
    return in_requester_script(text, "zh-hant")


def localized_name(
    name: str, *, name_en: str = "", name_zh_hant: str = "", language: str | None = None
) -> str:
    """A stored name and its optional translations, as the reader in `language` (default: active) reads it."""
    language = normalize_language(language) if language else active_language()
    if language == "en":
        return name_en or name
    if language == "zh-hant":
        return name_zh_hant or traditional(name)
    return name


@lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """`text` in simplified characters (OpenCC t2s): what a search in traditional characters matches."""
    return _converter("t2s").convert(text or "")


# Full-width marks put between data on a page or in a workbook -> their English (ASCII) form, with
# the spacing English wants around it. English text uses ASCII punctuation only.
ASCII_PUNCTUATION = {
    "（": " (",
    "）": ")",
    "，": ", ",
    "、": ", ",
    "：": ": ",
    "；": "; ",
    "。": ". ",
    "！": "! ",
    "？": "? ",
}


def punctuate(mark: str) -> str:
    """A full-width mark in the active language: itself for Chinese, its ASCII form for English."""
    if mark not in ASCII_PUNCTUATION:
        raise ValueError(f"no ASCII form for {mark!r}")
    return ASCII_PUNCTUATION[mark] if (get_language() or "").startswith("en") else mark


def join_names(values) -> str:
    """Names listed in the active language: 甲、乙 or A, B."""
    return punctuate("、").join(str(v) for v in values or ())
