"""Area names in the reader's language: simplified as stored, traditional by OpenCC, English as pinyin.

Place names are not translated but transcribed: an English reader sees Hanyu Pinyin with the kind of
area in English ("棠下镇" -> "Tangxia Town", "白沙街道" -> "Baisha Subdistrict", "东兴社区第2网格" ->
"Dongxing Community Grid 2"). The pinyin is computed once, at import (pypinyin), and stored in
`Area.name_en`, so pages never load the pinyin dictionary; a file (or an admin) that gives an English
name wins over the computed one, which matters for polyphonic place names (都斛 is Duhu, not Douhu).
The demo's districts and towns take their hand-checked names from data/i18n/area_names_en.csv.
"""

from __future__ import annotations

import re

from yiwang.core.language import localized_name

# The kind of area at the end of a name, longest first, and its English form.
SUFFIXES = (
    ("滨海新区", "Coastal New Area"),
    ("经济开发区", "Economic Development Zone"),
    ("开发区", "Development Zone"),
    ("工业园区", "Industrial Park"),
    ("园区", "Park"),
    ("新区", "New Area"),
    ("街道", "Subdistrict"),
    ("社区", "Community"),
    ("林场", "Forest Farm"),
    ("监狱", "Prison"),
    ("镇", "Town"),
    ("乡", "Township"),
    ("村", "Village"),
    ("区", "District"),
    ("县", "County"),
    ("市", "City"),
    ("湾", "Bay"),
)
GRID = re.compile(r"^(?P<stem>.*?)第(?P<n>\d+)网格$")
# Pinyin syllables that start with a vowel take an apostrophe after another syllable (Da'ao).
_VOWEL_START = ("a", "o", "e")


def pinyin(text: str) -> str:
    """Hanyu Pinyin without tones, one word, capitalised ("江门" -> "Jiangmen"); other text kept."""
    from pypinyin import lazy_pinyin  # loaded at import time only, never by a page

    out = ""
    for syllable in lazy_pinyin(text, errors="default"):
        if out and syllable[:1] in _VOWEL_START and out[-1:].isalpha():
            out += "'"
        out += syllable
    return out[:1].upper() + out[1:]


def english_place_name(name: str) -> str:
    """The English form of a Chinese area name: pinyin of its stem and its kind in English."""
    name = (name or "").strip()
    if not name:
        return ""
    grid = GRID.match(name)
    if grid:
        return f"{english_place_name(grid['stem'])} Grid {grid['n']}".strip()
    for suffix, english in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{pinyin(name[: -len(suffix)])} {english}"
    return pinyin(name)


def area_name(name: str, name_en: str = "", name_zh_hant: str = "", language: str | None = None) -> str:
    """An area's name as the reader in `language` (default: the active one) reads it."""
    return localized_name(name, name_en=name_en, name_zh_hant=name_zh_hant, language=language)
