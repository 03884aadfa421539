"""Placing a case: from its point (GPS or map pick), else from an address or the text naming an area.

Names are found as whole words, not as substrings: the text (normalised to simplified characters,
spaces removed) is cut into words by jieba with every district, town and community name added to a
private dictionary, and a name counts only when it covers whole words. So 新会 is found in
"江门市新会区会城街道" and "住在新会" but not in "新会员", and 新和村 not in "重新和村民沟通".

Each area is known by its full name (白沙街道, 台山市) and, for districts and towns, by its name
without the suffix (白沙, 台山; 区/市/县/街道/镇/乡). A short name that is also an everyday word
(古井 "old well", 水口, 江南 ...; judged by jieba's own word frequencies) counts only when its
district is named too. Community names count only in full. Names of special zones that are common
nouns (工业园区) never count alone, and a short name followed by another suffix is another place
named after it (鹤山村 is a village, 新会路 a road). Extra names (pinyin, old names) come from the PLACEMENT_EXTRA_NAMES
setting: {"Taishan": "440781", ...}.

Choosing: every name found votes for the district it lies in (VOTE_WEIGHT: a full district or town
name 1, a short one less, a community name alone 0.5; a name shared by areas in several districts
splits its vote). The district with most votes wins; a tie between districts places
nothing. Inside it, the most-named town, then the most-named community of that town, make the chain
deeper when they are unambiguous. Confidence grows with depth, full names and names that support
each other (a town named with its district), and shrinks with votes for other districts.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import AreaIndex, get_index, locate
from yiwang.geo.models import Area, Level

from .models import Case, Placement
from .text import normalize_text

SUFFIXES = ("街道办事处", "街道", "区", "市", "县", "镇", "乡")
# Special zones named by a common noun: never a place on their own.
GENERIC_NAMES = frozenset({"工业园区", "工业园", "开发区", "经济开发区", "高新区", "新区", "园区", "林场"})
# Words after a short name that make it another place: 鹤山村 is a village, 新会路 a road.
OTHER_PLACE_SUFFIXES = frozenset(
    {"村", "社区", "镇", "乡", "街道", "县", "区", "市", "街", "路", "大道", "巷"}
)
# ... also as the first character of the next word (新会路上: jieba cuts 新会/路上).
ROAD_OR_VILLAGE = frozenset("村路街巷道")
# A short name with at least this frequency in jieba's general dictionary is also an everyday word.
COMMON_WORD_FREQ = {Level.DISTRICT: 1000, Level.TOWN: 30}
FULL_NAME_FREQ = 50_000  # high enough that jieba keeps a full name whole, low enough not to swallow words
SHORT_NAME_FREQ = 5_000
# How much one mention counts for its district: districts and towns are named on purpose; a community
# name alone may be another city's community of the same name.
VOTE_WEIGHT = {
    (Level.DISTRICT, True): 1.0,
    (Level.DISTRICT, False): 0.8,
    (Level.TOWN, True): 1.0,
    (Level.TOWN, False): 0.7,
    (Level.COMMUNITY, True): 0.5,
    (Level.COMMUNITY, False): 0.4,
}
BASE_CONFIDENCE = {Level.CITY: 0.3, Level.DISTRICT: 0.6, Level.TOWN: 0.72, Level.COMMUNITY: 0.82}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Name:
    area_id: int
    level: int
    full: bool  # the full name (白沙街道), not the short one (白沙)
    common: bool  # the short name is an everyday word: needs its district named too


@dataclass
class Gazetteer:
    names: dict[str, list[Name]]
    district_of: dict[int, int]  # area id -> its district's id (districts map to themselves)
    town_of: dict[int, int]
    tokenizer: object  # jieba.Tokenizer with these names added


@dataclass(frozen=True)
class PlaceMatch:
    area_id: int
    confidence: float
    names: tuple[str, ...] = field(default=())  # the names found, for the case's event


# --------------------------------------------------------------------------- the word list
_lock = threading.Lock()
_gazetteer: tuple[AreaIndex, Gazetteer] | None = None  # the index itself, not its id: ids are reused


def _new_tokenizer():
    """A private jieba tokenizer (the classifier's global one keeps its own dictionary). A fresh one
    per word list: jieba only adds words, and the everyday-word test needs its pristine frequencies."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _short_names(name: str) -> list[str]:
    if name in GENERIC_NAMES or name.endswith(("开发区", "园区", "新区")):
        return []
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return [name[: -len(suffix)]]
    return []


def gazetteer(index: AreaIndex) -> Gazetteer:
    """The names of the index's areas, built once per index snapshot (and per process)."""
    global _gazetteer
    current = _gazetteer
    if current is not None and current[0] is index:
        return current[1]
    with _lock:
        if _gazetteer is not None and _gazetteer[0] is index:
            return _gazetteer[1]
        tokenizer = _new_tokenizer()
        base_freq = tokenizer.FREQ.copy()  # before our names are added
        names: dict[str, list[Name]] = defaultdict(list)
        district_of, town_of = {}, {}
        for ref in index.refs.values():
            if ref.level not in (Level.CITY, Level.DISTRICT, Level.TOWN, Level.COMMUNITY):
                continue
            chain = index.chain(ref.id)
            for a in chain:
                if a.level == Level.DISTRICT:
                    district_of[ref.id] = a.id
                if a.level == Level.TOWN:
                    town_of[ref.id] = a.id
            if ref.name not in GENERIC_NAMES:
                names[ref.name].append(Name(ref.id, ref.level, True, False))
            if ref.level in (Level.CITY, Level.DISTRICT, Level.TOWN):
                for short in _short_names(ref.name):
                    threshold = COMMON_WORD_FREQ.get(ref.level, 0)
                    common = bool(threshold) and base_freq.get(short, 0) >= threshold
                    names[short].append(Name(ref.id, ref.level, False, common))
        by_code = {ref.code: ref for ref in index.refs.values()}
        for extra, code in getattr(settings, "PLACEMENT_EXTRA_NAMES", {}).items():
            ref = by_code.get(code)
            if ref is not None:
                names[extra.lower()].append(Name(ref.id, ref.level, False, False))
        for key, entries in names.items():
            if not re.fullmatch(r"[a-z]+", key):
                tokenizer.add_word(key, FULL_NAME_FREQ if any(e.full for e in entries) else SHORT_NAME_FREQ)
        found = Gazetteer(dict(names), district_of, town_of, tokenizer)
        _gazetteer = (index, found)  # one snapshot at a time: an old index's names are never used again
        return found


def _prepare(text: str) -> str:
    text = normalize_text(text or "")
    text = unicodedata.normalize("NFKC", text)
    # Chinese is written without spaces; the spaces left (segmented copies, typed addresses) only split names.
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text).lower()


def find_names(text: str, index: AreaIndex | None = None) -> list[tuple[str, list[Name]]]:
    """Every name in the text that covers whole words, in order, with the areas it may mean."""
    index = index or get_index()
    gaz = gazetteer(index)
    table = gaz.names
    words = [w for w in gaz.tokenizer.cut(_prepare(text), HMM=False) if w.strip()]
    found = []
    i = 0
    while i < len(words):
        # The longest run of up to three words that is a name (jieba may still cut 蓬江区 as 蓬江/区).
        for k in (3, 2, 1):
            key = "".join(words[i : i + k])
            if key in table:
                entries = table[key]
                follower = words[i + k] if i + k < len(words) else ""
                # 鹤山村, 沙坪村, 新会路: a short name with another suffix is another place named after it.
                other_place = follower in OTHER_PLACE_SUFFIXES or follower[:1] in ROAD_OR_VILLAGE
                if other_place and not any(e.full for e in entries):
                    entries = []
                if entries:
                    found.append((key, entries))
                i += k
                break
        else:
            i += 1
    return found


# --------------------------------------------------------------------------- choosing the place
def find_place(text: str, *, index: AreaIndex | None = None, within: int | None = None) -> PlaceMatch | None:
    """The deepest area the text names with a consistent chain, or None. `within`: only areas inside
    that area (to refine an address with the text)."""
    if not text:
        return None
    index = index or get_index()
    gaz = gazetteer(index)
    found = find_names(text, index)
    if not found:
        return None
    named_ids = {n.area_id for _, entries in found for n in entries}
    city_named = any(n.level == Level.CITY for _, entries in found for n in entries)

    votes: Counter[int] = Counter()  # district id -> weight
    area_votes: Counter[int] = Counter()  # area id -> weight (towns, communities)
    full_names: set[int] = set()
    used: list[str] = []
    for key, entries in found:
        usable = []
        for n in entries:
            if n.level == Level.CITY:
                continue
            district = gaz.district_of.get(n.area_id)
            if within is not None and within not in {a.id for a in index.chain(n.area_id)}:
                continue
            # An everyday word counts only with its district named as well (新会古井, not 一口古井).
            if n.common and not _district_named_apart(found, district):
                continue
            usable.append(n)
        if not usable:
            continue
        used.append(key)
        share = 1.0 / len({gaz.district_of.get(n.area_id) for n in usable})
        weight = max(VOTE_WEIGHT[(n.level, n.full)] for n in usable)
        for district in {gaz.district_of.get(n.area_id) for n in usable}:
            if district is not None:
                votes[district] += weight * share
        per_area = 1.0 / len(usable)
        for n in usable:
            area_votes[n.area_id] += weight * per_area
            if n.full:
                full_names.add(n.area_id)
    if not votes:
        return None
    ranked = votes.most_common()
    if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) < 1e-9:
        return None  # two districts named as often: the dispatcher decides
    district, district_votes = ranked[0]
    total_votes = sum(votes.values())

    chosen = district
    towns = Counter(
        {
            a: v
            for a, v in area_votes.items()
            if index.refs[a].level == Level.TOWN and gaz.district_of[a] == district
        }
    )
    town = _clear_winner(towns)
    if town is not None:
        chosen = town
    communities = Counter(
        {
            a: v
            for a, v in area_votes.items()
            if index.refs[a].level == Level.COMMUNITY
            and gaz.district_of[a] == district
            and (town is None or gaz.town_of.get(a) == town)
        }
    )
    community = _clear_winner(communities)
    if community is not None and (town is not None or len(communities) == 1):
        chosen = community
        town = gaz.town_of.get(community)

    level = index.refs[chosen].level
    confidence = BASE_CONFIDENCE[level] - (0.0 if chosen in full_names or level == Level.DISTRICT else 0.07)
    chain_ids = {a.id for a in index.chain(chosen)}
    support = len(
        {a for a in named_ids if a in chain_ids and a != chosen and index.refs[a].level > Level.CITY}
    )
    confidence += 0.08 * support + (0.04 if city_named else 0.0)
    if level == Level.DISTRICT and district not in full_names:
        confidence -= 0.05
    if level == Level.COMMUNITY and support == 0:
        confidence -= 0.25  # a community name alone may be another city's community of the same name
    confidence *= district_votes / total_votes
    return PlaceMatch(chosen, round(max(0.1, min(0.95, confidence)), 2), tuple(used))


def _district_named_apart(found, district: int | None) -> bool:
    """Whether the district is named by a name that is not itself an everyday word."""
    return any(
        n.area_id == district and n.level == Level.DISTRICT and not n.common
        for _, entries in found
        for n in entries
    )


def _clear_winner(counter: Counter) -> int | None:
    ranked = counter.most_common(2)
    if not ranked:
        return None
    if len(ranked) == 2 and abs(ranked[0][1] - ranked[1][1]) < 1e-9:
        return None
    return ranked[0][0]


def match_area(text: str, index: AreaIndex | None = None) -> tuple[int, float] | None:
    """(area id, confidence) for the deepest consistent area named in the text, or None."""
    found = find_place(text, index=index)
    return (found.area_id, found.confidence) if found else None


# --------------------------------------------------------------------------- placing a case
def _set_chain(case: Case, chain) -> None:
    by_level = {a.level: a.id for a in chain}
    case.grid_id = by_level.get(Level.GRID)
    case.community_id = by_level.get(Level.COMMUNITY)
    case.town_id = by_level.get(Level.TOWN)
    case.district_id = by_level.get(Level.DISTRICT)


def place_case(case: Case) -> None:
    if case.lon is not None and case.lat is not None:
        found = locate(case.lon, case.lat)
        if found is None:
            message = _("该位置不在本市辖区内，请重新选点或填写地址。")
            raise ApplicationError("outside_city", message, fields={"lon": message, "lat": message})
        _set_chain(case, found.chain)
        if case.placement in (Placement.NONE, "", None):
            case.placement = Placement.GPS
        if case.placement_confidence is None:
            case.placement_confidence = 1.0
        return
    index = get_index()
    text = f"{case.title} {case.text}"
    match, method = None, Placement.NONE
    if case.address:
        match, method = find_place(case.address, index=index), Placement.ADDRESS
        if match is not None and index.refs[match.area_id].level < Level.COMMUNITY:
            # The text may name a town or community inside the address's area: go deeper.
            deeper = find_place(text, index=index, within=match.area_id)
            if deeper is not None and index.refs[deeper.area_id].level > index.refs[match.area_id].level:
                match = PlaceMatch(deeper.area_id, round(min(match.confidence, deeper.confidence + 0.05), 2))
    if match is None:
        match, method = find_place(text, index=index), Placement.TEXT
    if match is None:
        case.placement, case.placement_confidence = Placement.NONE, None
        return
    _set_chain(case, index.chain(match.area_id))
    case.placement, case.placement_confidence = method, match.confidence
    if index.refs[match.area_id].level == Level.COMMUNITY:
        area = Area.objects.only("centroid_lon", "centroid_lat").get(pk=match.area_id)
        if area.centroid_lon is not None:
            # A community is small enough to stand for the point; its grid comes from that point.
            found = locate(area.centroid_lon, area.centroid_lat)
            if (
                found is not None
                and found.at(Level.COMMUNITY)
                and found.at(Level.COMMUNITY).id == match.area_id
            ):
                _set_chain(case, found.chain)
