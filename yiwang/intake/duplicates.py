"""How alike two requests are: text, place and time, each 0..1, and one score (pure, no database).

Text: cosine similarity of character 2- and 3-gram vectors (sublinear term frequency, no IDF), over
the text normalised to simplified characters with punctuation and spaces removed, so a traditional
copy, a re-punctuated copy or a word-segmented copy of the same message stays close. Chosen by
measurement (bench/duplicates.py): it finds duplicates as well as the same vectors with IDF and as
exact character-trigram Jaccard (what MinHash estimates), and unlike IDF its scores do not depend on
which candidates happen to be compared, so one threshold holds for a pool of 3 or of 2,000.

Place: both points -> by distance (1 within 300 m, 0 beyond 5 km); else by the deepest area both
share (community 0.9, town 0.6, district 0.3); unknown (a case not placed) 0.3; different districts 0.

Time: 1 when received the same day, falling linearly to 0 at the window's edge.

Score: text dominates, place and time only order near-equals and push back what is far apart:
    by_text = text * (0.75 + 0.15 * place + 0.10 * time)
Two people rarely describe one broken manhole in the same words, so a second path scores reports
from the same spot at the same time, whatever their wording (both placed by a point):
    spot  = 1 within 50 m, falling linearly to 0 at 150 m
    soon  = 1 within 24 h, falling linearly to 0 at 72 h
    agree = 1 same category, 0.9 either not classified yet, 0.5 different categories
    same_spot = spot * soon * agree * (0.62 + 0.30 * text)
    score = max(by_text, same_spot)
so a report at the same spot and time in the same category always reaches the threshold (0.61),
one in another category only when its text is close too. Measured in bench/duplicates.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from yiwang.cases.text import normalize_text

NON_WORD = re.compile(r"[\W_]+")
WEIGHTS = (0.75, 0.15, 0.10)  # text share, place, time
VECTORIZER = {
    "analyzer": "char",
    "ngram_range": (2, 3),
    "sublinear_tf": True,
    "use_idf": False,
    "lowercase": False,
}


def comparable_text(title: str, text: str) -> str:
    return NON_WORD.sub("", normalize_text(f"{title}{text}"))


def text_similarities(query: str, others: list[str]) -> np.ndarray:
    """Cosine similarity of `query` to each of `others` (comparable_text forms), 0..1."""
    if not others:
        return np.zeros(0)
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [query, *others]
    if not any(len(d) >= 2 for d in docs):
        return np.zeros(len(others))
    vectorizer = TfidfVectorizer(**VECTORIZER)
    matrix = vectorizer.fit_transform(docs)
    sims = (matrix[1:] @ matrix[0].T).toarray().ravel()
    return np.clip(sims, 0.0, 1.0)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Where:
    lon: float | None = None
    lat: float | None = None
    community: int | None = None
    town: int | None = None
    district: int | None = None


def place_closeness(a: Where, b: Where) -> tuple[float, float | None]:
    """(0..1, metres apart when both have points)."""
    if None not in (a.lon, a.lat, b.lon, b.lat):
        metres = distance_m(a.lon, a.lat, b.lon, b.lat)
        if metres <= 300:
            return 1.0, metres
        return max(0.0, 1.0 - (metres - 300) / 4700), metres
    if a.community and a.community == b.community:
        return 0.9, None
    if a.town and a.town == b.town:
        return 0.6, None
    if a.district and b.district:
        return (0.3, None) if a.district == b.district else (0.0, None)
    return 0.3, None


def time_closeness(days_apart: float, window_days: float) -> float:
    if window_days <= 0:
        return 1.0
    return max(0.0, 1.0 - abs(days_apart) / window_days)


def combined_score(text: float, place: float, time: float) -> float:
    base, w_place, w_time = WEIGHTS
    return round(float(text) * (base + w_place * place + w_time * time), 4)


SPOT_M = (50.0, 150.0)  # full closeness within, none beyond (metres)
SOON_H = (24.0, 72.0)  # full closeness within, none beyond (hours)
SPOT_BASE, SPOT_TEXT = 0.62, 0.30
AGREEMENT = {True: 1.0, None: 0.9, False: 0.5}  # same category, unknown, different


def _ramp(value: float, full: float, zero: float) -> float:
    if value <= full:
        return 1.0
    return max(0.0, 1.0 - (value - full) / (zero - full))


def same_spot_score(text: float, metres: float | None, hours_apart: float, same_category: bool | None) -> float:
    """0..1: two reports from the same spot at the same time, however they are worded (see above)."""
    if metres is None:
        return 0.0
    closeness = _ramp(metres, *SPOT_M) * _ramp(abs(hours_apart), *SOON_H)
    if closeness == 0.0:
        return 0.0
    return round(closeness * AGREEMENT[same_category] * (SPOT_BASE + SPOT_TEXT * float(text)), 4)


def duplicate_score(
    text: float, place: float, time: float, *, metres: float | None = None, hours_apart: float = 0.0,
    same_category: bool | None = None,
) -> tuple[float, bool]:
    """The finder's score, by text or as a report from the same spot at the same time, and whether
    the same spot is what found it."""
    by_text = combined_score(text, place, time)
    spot = same_spot_score(text, metres, hours_apart, same_category)
    return max(by_text, spot), spot > by_text
