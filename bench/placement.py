"""Placing a case from its text: the jieba word matcher (yiwang.cases.placement) against plain
substring matching, on the real citizen messages with Jiangmen place names put in.

The messages (data/messages: train, hot_issues, replies) were anonymised as A市, A1区 … A9市; each
code is replaced by a fixed Jiangmen name as bench/jiangmen_messages.py says (districts, streets and towns,
one mention in three in its short form, one message in five in traditional characters). A message whose
codes all lie in one district is scored: placed = some district found, correct = the district found
is that one. Messages naming no A district (other cities: B市, K2区 …, or only 江门市) measure false
placements: any district found there is wrong. The baselines read the text normalised to simplified
characters as the matcher does, so only the matching differs.

Reported: accuracy (correct / placed), coverage (placed / scored), correct_rate (correct / scored),
false_placement_rate (placed / unscored), precision_all (correct / every placement, both sets),
the same for the baselines run beside it in the same process, and ms per message:
  substring  every full and short name (suffix removed) found as a plain substring, longest first;
             the first one found wins (what a first attempt does)
  previous   the matcher this project had before (substrings, deepest consistent area first)
ratio = precision_all / substring precision_all (a wrong district sends a case to the wrong unit,
whether the message named a district or not); ratio_accuracy and ratio_correct likewise.

    .venv/bin/python bench/placement.py [--limit N]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
os.environ.setdefault("YIWANG_MODE", "demo")  # unset means production
import django  # noqa: E402

django.setup()

from jiangmen_messages import load_messages  # noqa: E402  (bench/jiangmen_messages.py)
from locate import index_from_records  # noqa: E402  (bench/locate.py)

from yiwang.cases.placement import SUFFIXES, find_place  # noqa: E402
from yiwang.cases.text import normalize_text  # noqa: E402
from yiwang.geo.demo import build_records  # noqa: E402
from yiwang.geo.locate import AreaIndex  # noqa: E402
from yiwang.geo.models import Level  # noqa: E402


class Substring:
    """Plain substring matching of full and short names, longest name first, first found wins."""

    def __init__(self, index: AreaIndex):
        self.keys: list[tuple[str, int]] = []
        for ref in index.refs.values():
            if ref.level not in (Level.DISTRICT, Level.TOWN, Level.COMMUNITY):
                continue
            self.keys.append((ref.name, ref.id))
            for suffix in SUFFIXES + ("社区", "村"):
                if ref.name.endswith(suffix) and len(ref.name) - len(suffix) >= 2:
                    self.keys.append((ref.name[: -len(suffix)], ref.id))
        self.keys.sort(key=lambda k: -len(k[0]))

    def __call__(self, text: str) -> int | None:
        for key, area_id in self.keys:
            if key in text:
                return area_id
        return None


class Previous:
    """The matcher before jieba (yiwang.cases.placement at the first commit), kept to compare."""

    def __init__(self, index: AreaIndex):
        self.index = index
        self.table: dict[str, list[tuple[int, int]]] = {}
        for ref in index.refs.values():
            if ref.level not in (Level.DISTRICT, Level.TOWN, Level.COMMUNITY):
                continue
            keys = {ref.name}
            for suffix in ("街道", "社区", "区", "市", "镇", "村"):
                if ref.name.endswith(suffix) and len(ref.name) - len(suffix) >= 2:
                    keys.add(ref.name[: -len(suffix)])
            for key in keys:
                self.table.setdefault(key, []).append((ref.id, ref.level))
        self.sorted_keys = sorted(self.table, key=len, reverse=True)

    def __call__(self, text: str) -> int | None:
        index = self.index
        found = []
        for key in self.sorted_keys:
            if key in text:
                for area_id, level in self.table[key]:
                    found.append((level, len(key), area_id))
        if not found:
            return None
        named_ids = {f[2] for f in found}
        for level, length, area_id in sorted(found, key=lambda f: (-f[0], -f[1])):
            chain_ids = {a.id for a in index.chain(area_id)}
            supported = len(named_ids & chain_ids) > 1
            candidates = sum(1 for f in found if f[0] == level and f[1] == length)
            if level == Level.COMMUNITY and not supported and candidates > 1:
                continue
            conflict = any(
                other in named_ids and other not in chain_ids and index.refs[other].level < level
                for other in named_ids
            )
            if not conflict:
                return area_id
        return None


def district_code(index: AreaIndex, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    for a in index.chain(area_id):
        if a.level == Level.DISTRICT:
            return a.code
    return None


def score(name, fn, scored, others, index, show=0):
    placed = correct = 0
    started = time.perf_counter()
    for text, truth in scored:
        got = district_code(index, fn(text))
        placed += got is not None
        correct += got == truth
        if got != truth and show > 0:
            show -= 1
            print(f"[{name}] want {truth} got {got}: {text[:160]}", file=sys.stderr)
    elapsed = time.perf_counter() - started
    false_placed = 0
    for text in others:
        got = district_code(index, fn(text))
        if got is not None:
            false_placed += 1
            if show > 0:
                show -= 1
                print(f"[{name}] false {got}: {text[:160]}", file=sys.stderr)
    n = len(scored)
    return {
        "precision_all": round(correct / (placed + false_placed), 4) if placed + false_placed else 0.0,
        "accuracy": round(correct / placed, 4) if placed else 0.0,
        "coverage": round(placed / n, 4),
        "correct_rate": round(correct / n, 4),
        "placed": placed,
        "correct": correct,
        "false_placement_rate": round(false_placed / len(others), 4) if others else 0.0,
        "ms_per_message": round(1000 * elapsed / n, 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="score at most N messages (0: all)")
    parser.add_argument("--show", type=int, default=0, help="print N mistakes of the matcher")
    args = parser.parse_args()

    index = index_from_records(build_records())
    scored, others, skipped = [], [], 0
    for m in load_messages():
        text = f"{m.jm_title} {m.jm_text}"
        if len(m.districts) == 1:
            scored.append((text, next(iter(m.districts))))
        elif not m.districts:
            others.append(text)
        else:
            skipped += 1
    if args.limit:
        scored, others = scored[: args.limit], others[: args.limit]

    find_place("江门市蓬江区", index=index)  # builds the word list once, outside the timing
    new = score(
        "jieba",
        lambda t: m.area_id if (m := find_place(t, index=index)) else None,
        scored,
        others,
        index,
        args.show,
    )
    substring_fn, previous_fn = Substring(index), Previous(index)
    substring = score("substring", lambda t: substring_fn(normalize_text(t)), scored, others, index)
    previous = score("previous", lambda t: previous_fn(normalize_text(t)), scored, others, index)
    for label, r in (("jieba words", new), ("substring", substring), ("previous", previous)):
        print(
            f"{label:12s} accuracy {r['accuracy']:.3f}  coverage {r['coverage']:.3f}  "
            f"correct {r['correct_rate']:.3f}  false placements {r['false_placement_rate']:.3f}  "
            f"precision_all {r['precision_all']:.3f}  "
            f"{r['ms_per_message']:.2f} ms/message",
            file=sys.stderr,
        )
    result = {
        "benchmark": "placement",
        "scored_messages": len(scored),
        "unscored_other_cities": len(others),
        "skipped_several_districts": skipped,
        **{
            k: new[k]
            for k in (
                "accuracy",
                "coverage",
                "correct_rate",
                "false_placement_rate",
                "precision_all",
                "ms_per_message",
            )
        },
        "baseline_substring": substring,
        "previous": previous,
        "ratio": round(new["precision_all"] / substring["precision_all"], 3)
        if substring["precision_all"]
        else None,
        "ratio_accuracy": round(new["accuracy"] / substring["accuracy"], 3)
        if substring["accuracy"]
        else None,
        "ratio_correct": round(new["correct_rate"] / substring["correct_rate"], 3)
        if substring["correct_rate"]
        else None,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
