"""The real citizen messages (data/messages) with Jiangmen place names put in, for the benchmarks.

The organiser anonymised places as A市, A1区 … A9市. Each code is replaced by a fixed Jiangmen name
(MAPPING: districts, streets and towns): A市 -> 江门市, A3区 -> 新会区, A4区 -> 白沙街道, A8县 -> 古井镇
... One mention in three uses the short form people write (新会, 白沙, 古井) and the rest the full
name, and one message in five is turned into traditional characters (OpenCC s2t), all chosen by a
hash of the message id, so every run sees the same text. Source: 2020 TipDM "Teddy Cup" problem C
(research and demo data; see data/messages and ../shared/data/messages/README.md).
"""

import csv
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from opencc import OpenCC

MESSAGES = Path(__file__).resolve().parent.parent / "data" / "messages"
FILES = ("train.csv", "hot_issues.csv", "replies.csv")
# code -> (full name, short name, district code). 白沙 is also a town of 台山 (白沙镇) and 古井 an
# everyday word ("old well"), so their short forms need context.
MAPPING = {
    "1": ("蓬江区", "蓬江", "440703"),
    "2": ("江海区", "江海", "440704"),
    "3": ("新会区", "新会", "440705"),
    "4": ("白沙街道", "白沙", "440703"),
    "5": ("会城街道", "会城", "440705"),
    "6": ("开平市", "开平", "440783"),
    "7": ("台山市", "台山", "440781"),
    "8": ("古井镇", "古井", "440705"),
    "9": ("鹤山市", "鹤山", "440784"),
}
CODE = re.compile(r"A([1-9])(?!\d)\s*[区县市]")
CITY = re.compile(r"A\s*市")
S2T = OpenCC("s2t")


@dataclass
class Message:
    id: str
    file: str
    title: str  # as published (anonymised)
    text: str
    submitted_at: dt.datetime | None
    text_form: str
    jm_title: str = ""  # with Jiangmen names (and maybe traditional characters)
    jm_text: str = ""
    districts: frozenset = frozenset()  # district codes of the A codes it names


def substitute(message_id: str, text: str) -> tuple[str, set[str]]:
    truth: set[str] = set()

    def put(m):
        full, short, district = MAPPING[m.group(1)]
        truth.add(district)
        digest = hashlib.sha256(f"{message_id}:{m.start()}".encode()).digest()[0]
        return short if digest % 3 == 0 else full

    text = CITY.sub("江门市", CODE.sub(put, text))
    if hashlib.sha256(message_id.encode()).digest()[0] % 5 == 0:
        text = S2T.convert(text)
    return text, truth


def parse_time(value: str) -> dt.datetime | None:
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(value.strip(), fmt)  # noqa: DTZ007 - local times, compared only
        except ValueError:
            continue
    return None


def load_messages() -> list[Message]:
    out = []
    for name in FILES:
        with open(MESSAGES / name, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                m = Message(
                    row["id"],
                    name,
                    row["title"],
                    row["text"],
                    parse_time(row.get("submitted_at") or ""),
                    row.get("text_form") or "original",
                )
                # Title and text are substituted together, as placement reads them.
                both, truth = substitute(m.id, f"{m.title}\x00{m.text}")
                m.jm_title, _, m.jm_text = both.partition("\x00")
                m.districts = frozenset(truth)
                out.append(m)
    return out
