"""The demo's case history: real citizen messages played through the closed loop over the last 90 days.

Source: the messages (and, where one matches, the department's official reply) released for the 2020
TipDM "Teddy Cup" data-mining challenge, problem C (data/messages, see its README). The organiser
anonymised them; the data is research and demo data only, and every case says so: the note of its
first move after intake (accept, answer or merge) is SOURCE_NOTE with the message id, because a case
has no field for its source (its attachments are uploaded files).

Place names. The organiser's placeholders become Jiangmen's, by a fixed table, so that every case
happens in the city whose hotline the demo is:
    西地省 -> 广东省;  A市 -> 江门市;
    A1区, A4区 -> 蓬江区;  A2区 -> 江海区;  A3区, A5区 -> 新会区;  A6区 -> 恩平市;
    A7县 -> 台山市;  A8县 -> 开平市;  A9市 -> 鹤山市;
    the province's other cities (OTHER_CITIES: B市 -> 开平市, K市 -> 蓬江区 …) become Jiangmen districts
    too, and their districts and counties (K1区, K6县, C4市 …) real streets (for a 区) or towns (for a
    县/市/州) of that district, the n-th one by code;
    a street or town named right after a district (A3区学士街道) becomes a real one of that district
    (chosen by a checksum of the name, so the same name always lands on the same place).
Rows kept only as word-segmented text (`segmented_only`) are skipped.

Placement. A message naming a town or street is placed at a random point of a random grid of that
town; one naming a district, of that district; any other at a random grid of the whole city. Grids
are drawn uniformly, so denser (urban) areas draw more cases, and grids in streets (街道) count
twice. Seeded (numpy), points drawn inside the grid polygon (shapely).

Playback. Each case is a script of moves (intake, acceptance, dispatch by the responsibility list,
signing, handling, reply, on-site verification, rating, and the side paths), each at a time drawn
from the office hours of the working-day calendar. All scripts run in one time order: the project
clock is frozen at each move's time (and `at=` passed), so the audit trail's global chain is in time
order too. A script whose next move would fall after "now" stops there: recent cases are still
open, as they would be. A few pinned scenarios (PINS) make sure every demo user's queue has work.
Every write goes through case_create and perform.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import heapq
import itertools
import random
import re
import time
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from opencc import OpenCC
from tqdm import tqdm

from yiwang.accounts.demo import DEMO_USERS, load_demo_users
from yiwang.accounts.models import Role, User
from yiwang.core import clock
from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import get_index, locate
from yiwang.geo.models import Area, Level
from yiwang.routing.models import Category, Unit
from yiwang.workdays import selectors as workdays
from yiwang.workdays.snapshot import current_schedule

from . import error_codes as codes
from .models import Case, CaseEvent, Channel, RequesterKind, RequestType, Satisfaction
from .models import Status as S
from .services import Actor, CaseInput, case_create, perform

DEFAULT_CASES = 1500
DAYS = 90
SEED = 20200101

SOURCE_NAME = "2020 年“泰迪杯”数据挖掘挑战赛 C 题（智慧政务中的文本挖掘应用）"
SOURCE_NOTE = (
    f"演示数据：留言（及部分部门答复）原文来自{SOURCE_NAME}公开数据，已由主办方脱敏；"
    "地名已替换为江门地名，诉求人姓名为虚构，仅供研究与演示。"
)

# ----------------------------------------------------------------------------- place names
PROVINCE = ("西地省", "广东省")
CITY = ("A市", "江门市")
DISTRICTS = {
    "蓬江区": "440703",
    "江海区": "440704",
    "新会区": "440705",
    "台山市": "440781",
    "开平市": "440783",
    "鹤山市": "440784",
    "恩平市": "440785",
}
A_UNITS = {
    1: "蓬江区",
    2: "江海区",
    3: "新会区",
    4: "蓬江区",
    5: "新会区",
    6: "恩平市",
    7: "台山市",
    8: "开平市",
    9: "鹤山市",
}
# The province's other cities (the organiser's B市 … N市), spread over Jiangmen's districts.
OTHER_CITIES = {
    "B": "开平市",
    "C": "新会区",
    "D": "台山市",
    "E": "开平市",
    "F": "恩平市",
    "G": "新会区",
    "H": "鹤山市",
    "I": "江海区",
    "J": "蓬江区",
    "K": "蓬江区",
    "L": "鹤山市",
    "M": "台山市",
    "N": "恩平市",
}
# "A8县市" and "L9县县民政局" are artefacts of the anonymisation (宁乡县市, …县县民政局): one unit.
_DOUBLED = re.compile(r"(?<![A-Za-z0-9])([A-N]\d{1,2})县(?:县|市(?![场民政区容级直属内辖]))")
_TOKEN = re.compile(r"(?<![A-Za-z0-9])([A-N])(\d{0,2})(市|区|县|州)")
_LOCAL = re.compile("(" + "|".join(DISTRICTS) + r")([\u4e00-\u9fff]{2,4}?)(街道|镇)")
# A name made of these is a phrase (各街道, 城乡镇, 教育局和乡镇), not a place.
_NOT_A_NAME = set("各全所有和及与或等的了在是对市区县乡镇街道村委政府局会院校办处厅所站队")

# ----------------------------------------------------------------------------- the mix
LABEL_BUREAU = {  # if the responsibility list finds no unit (it has a city rule for each label)
    "城乡建设": "JM.ZJJ",
    "劳动和社会保障": "JM.RSJ",
    "教育文体": "JM.JYJ",
    "商贸旅游": "JM.SWJ",
    "环境保护": "JM.SHJ",
    "卫生计生": "JM.WJJ",
    "交通运输": "JM.JTJ",
}
TYPE_SHARES = {
    RequestType.COMPLAINT: 0.45,
    RequestType.HELP: 0.25,
    RequestType.CONSULT: 0.15,
    RequestType.SUGGESTION: 0.10,
    RequestType.REPORT: 0.04,
    RequestType.PRAISE: 0.01,
}
# Words in a title that say what kind of request it is; the first match wins.
TYPE_WORDS = [
    (RequestType.PRAISE, ("表扬", "点赞", "致谢", "锦旗", "感谢")),
    (RequestType.REPORT, ("举报",)),
    (RequestType.COMPLAINT, ("投诉",)),
    (RequestType.SUGGESTION, ("建议", "提议", "倡议")),
    (RequestType.CONSULT, ("咨询", "请问", "询问", "是否", "能否", "可否", "怎么", "如何", "吗")),
    (RequestType.HELP, ("求助", "帮忙", "救助", "求救", "恳请", "请求")),
]
PATROL_LABELS = ("城乡建设", "环境保护", "交通运输")  # what grid workers see on their rounds
KIND_SHARES = {
    RequesterKind.RESIDENT: 0.84,
    RequesterKind.OVERSEAS: 0.04,
    RequesterKind.HK_MACAO: 0.03,
    RequesterKind.ENTERPRISE: 0.03,
    RequesterKind.ANONYMOUS: 0.06,
}
P_REJECT, P_ANSWER_HOTLINE_CONSULT = 0.01, 0.85
P_RETURN, P_EXTENSION, P_EXTENSION_APPROVED, P_SUSPEND = 0.06, 0.05, 0.8, 0.01
P_LATE, P_LATE_SIGN, P_FAIL_VERIFY, P_YELLOW_ON_TIME = 0.10, 0.04, 0.012, 0.05
P_LONG_LATE = 0.3  # of the late: weeks late, so some are still open and overdue at the end
P_NEVER_RATED = 0.10
# First ratings. An unsatisfied, unsolved one (a quarter) is handled again and rated again (satisfied
# or basically), so the ratings that stand come to about 80 % / 12 % / 8 %, and with the failed
# verifications about 3 % of cases are reopened.
RATING_SHARES = {Satisfaction.SATISFIED: 0.78, Satisfaction.BASICALLY: 0.12, Satisfaction.UNSATISFIED: 0.10}
P_UNSOLVED_WHEN_UNSATISFIED = 0.25
# Calls per hour of the day (the hotline is open around the clock; web forms follow the same rhythm).
HOURLY = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.5, 3.5, 3.6, 3.0, 2.0, 2.2, 3.0, 3.2, 3.0, 2.5, 1.8, 1.6]
HOURLY += [1.5, 1.3, 0.9, 0.5]

SURNAMES = "陈李黄梁张林吴刘何谭余关伍甄邝冯区赵周胡郭罗钟麦朱杨叶许邓蔡曾彭卢苏谢潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰志文海燕红建国家荣健嘉俊浩婷欣怡子轩锦"
COMPANIES = ("贸易", "五金", "电器", "建材", "食品", "物流", "科技", "纺织", "家具", "陶瓷")

# Replies for messages without a real one: neutral about the matter, since they answer any message.
REPLY_TEMPLATES = {
    RequestType.COMPLAINT: (
        "{unit}经调查核实，已责成相关责任单位限期整改，并将加强日常监督检查，防止问题反弹",
        "{unit}已会同属地镇（街）到现场调查处理，问题已得到处理，后续将持续跟踪",
        "经{unit}核查，您反映的情况基本属实，已依法依规处理，并约谈了相关负责人",
    ),
    RequestType.HELP: (
        "{unit}已联系相关责任单位协助解决，并已电话告知您办理情况",
        "{unit}已安排工作人员与您联系，按政策为您办理相关手续",
    ),
    RequestType.CONSULT: ("经{unit}查询相关政策，已通过电话向您详细解释有关规定和办理流程",),
    RequestType.SUGGESTION: ("您的建议已转交{unit}相关业务科室研究，将在制定相关工作计划时予以参考",),
}
REPLY_TEMPLATES[RequestType.REPORT] = REPLY_TEMPLATES[RequestType.COMPLAINT]
CONSULT_ANSWERS = (
    "请携带身份证及相关证明材料到所在地政务服务中心窗口办理，承诺办理时限为 5 个工作日",
    "该事项可通过“粤省事”小程序或广东政务服务网在线办理",
    "相关政策以主管部门最新公布的文件为准，已将主管部门的咨询电话告知您",
    "按照现行规定，符合条件的可向户籍所在地镇（街）提出申请",
)
RETURN_REASONS = (
    "该事项属属地管理范围，不属于本单位职责，请改派属地政府处理。",
    "经核实，该诉求涉及事项不在本单位权责清单内，申请退回改派。",
)
REJECT_REASONS = (
    "诉求内容不明确且无法联系诉求人核实，不予受理。",
    "该事项已进入诉讼程序，依法不属于热线受理范围，已告知诉求人。",
)
EXTENSION_REASONS = (
    "该问题涉及多个部门，需协调后处理，申请延期。",
    "需委托第三方机构检测，检测周期较长，申请延期。",
    "涉及历史遗留问题，需进一步调查取证，申请延期。",
)
SUSPEND_REASONS = ("诉求人暂时联系不上，待联系后继续办理。", "需等待司法鉴定结果，暂停计时。")
VERIFY_FAILED = ("现场核查发现问题未整改到位，退回承办单位重办。", "核查时问题仍然存在，请承办单位继续处理。")
VERIFY_PASSED = ("现场核查，问题已解决。", "经现场核实，整改到位。")


@functools.lru_cache(maxsize=1)
def _s2t() -> OpenCC:
    return OpenCC("s2t")


def _clean(text: str) -> str:
    return (text or "").replace("_x000D_", "").strip()


def _title_from(text: str) -> str:
    """The first clause of a message without a title (the organiser dropped some titles)."""
    head = re.split(r"[。！？!?；;，,]", text, maxsplit=1)[0]
    return head[:28] if len(head) >= 6 else text[:28]


# ----------------------------------------------------------------------------- reading the data
@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str
    label: str
    reply: str = ""  # the department's official reply, when replies.csv has this message
    reply_id: str = ""


def read_messages(data_dir: Path | None = None) -> list[Message]:
    """Usable messages of train.csv (original or whitespace-stripped text), with their reply if any."""
    base = Path(data_dir) if data_dir else Path(settings.DATA_DIR) / "messages"
    by_title: dict[str, tuple[str, str]] = {}
    by_text: dict[str, tuple[str, str]] = {}
    with open(base / "replies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            reply = _clean(row["reply"])
            if len(reply) < 10:
                continue
            if row["title"].strip():
                by_title.setdefault(row["title"].strip(), (row["id"], reply))
            by_text.setdefault(_clean(row["text"])[:30], (row["id"], reply))
    out = []
    with open(base / "train.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["text_form"] not in ("original", "whitespace_stripped"):
                continue
            text = _clean(row["text"])
            if len(text) < 10:
                continue
            title = _clean(row["title"])
            found = (by_title.get(title) if title else None) or by_text.get(text[:30])
            reply_id, reply = found or ("", "")
            out.append(Message(row["id"], title or _title_from(text), text, row["label"], reply, reply_id))
    return out


# ----------------------------------------------------------------------------- place names
class PlaceNames:
    """Replaces the organiser's placeholders by Jiangmen names; finds the place a message names."""

    def __init__(self):
        towns = list(
            Area.objects.filter(level=Level.TOWN, kind__in=("街道", "镇"))
            .order_by("code")
            .values_list("code", "name", "kind", "parent__code")
        )
        self.town_code = {name: code for code, name, _, _ in towns}
        self.town_district = {code: district for code, _, _, district in towns}
        self.pools: dict[tuple[str, str], list[str]] = defaultdict(list)
        for _code, name, kind, district in towns:
            self.pools[(district, kind)].append(name)
            self.pools[(district, "")].append(name)
        names = sorted(set(self.town_code) | set(DISTRICTS), key=lambda n: (-len(n), n))
        self._named = re.compile("|".join(map(re.escape, names)))

    def pool(self, district_name: str, kind: str) -> list[str]:
        code = DISTRICTS[district_name]
        return self.pools.get((code, kind)) or self.pools[(code, "")]

    def _token(self, m: re.Match) -> str:
        letter, digits, suffix = m.groups()
        if letter == "A":
            if not digits:
                return CITY[1] if suffix == "市" else m.group(0)  # "A区" is a block of an estate
            n = int(digits)
            return A_UNITS.get(n) or list(DISTRICTS)[n % len(DISTRICTS)]
        district = OTHER_CITIES[letter]
        if not digits:
            return district if suffix == "市" else m.group(0)
        pool = self.pool(district, "街道" if suffix == "区" else "镇")
        return pool[(int(digits) - 1) % len(pool)]

    def substitute(self, *texts: str) -> list[str]:
        """The same texts with Jiangmen names, consistently across them (title, text, reply)."""
        out = []
        for text in texts:
            text = text.replace(*PROVINCE)
            text = _DOUBLED.sub(r"\1县", text)
            out.append(_TOKEN.sub(self._token, text))
        local: dict[str, str] = {}
        for text in out:
            for m in _LOCAL.finditer(text):
                district, stem, kind = m.groups()
                name = stem + kind
                if name in self.town_code or name in local or set(stem) & _NOT_A_NAME:
                    continue
                pool = self.pool(district, kind)
                local[name] = pool[zlib.crc32(name.encode()) % len(pool)]
        for old, new in sorted(local.items(), key=lambda kv: -len(kv[0])):
            out = [t.replace(old, new) for t in out]
        return out

    def named(self, *texts: str) -> tuple[str | None, str | None]:
        """(town code, district code) of the first town, else district, the texts name."""
        district = None
        for text in texts:
            for m in self._named.finditer(text):
                name = m.group(0)
                if name in self.town_code:
                    code = self.town_code[name]
                    return code, self.town_district[code]
                district = district or DISTRICTS[name]
        return None, district


# ----------------------------------------------------------------------------- points
class Placer:
    """Random points inside grids drawn from a town, a district or the whole city (seeded)."""

    def __init__(self, rng: np.random.Generator):
        rows = list(
            Area.objects.filter(level=Level.GRID)
            .exclude(geometry=None)
            .order_by("code")
            .values_list("id", "code", "geometry")
        )
        if not rows:
            raise RuntimeError("the demo history needs the demo geography (grids) loaded first")
        self.rng = rng
        self.ids = np.array([r[0] for r in rows])
        self.codes = [r[1] for r in rows]
        self.geoms = shapely.from_wkb([bytes(r[2]) for r in rows])
        streets = {
            c[:9] for c in Area.objects.filter(level=Level.TOWN, kind="街道").values_list("code", flat=True)
        }
        self.weights = np.array([2.0 if c[:9] in streets else 1.0 for c in self.codes])
        self.members: dict[str, list[int]] = defaultdict(list)
        for i, code in enumerate(self.codes):
            self.members[code[:6]].append(i)
            self.members[code[:9]].append(i)

    def grid_of(self, *, town: str | None = None, district: str | None = None) -> int:
        key = (town[:9] if town else None) or (district[:6] if district else None)
        pool = np.array(self.members.get(key) or range(len(self.codes)))
        w = self.weights[pool]
        return int(pool[self.rng.choice(len(pool), p=w / w.sum())])

    def index_of(self, grid_id: int) -> int:
        return int(np.flatnonzero(self.ids == grid_id)[0])

    def point_in(self, i: int) -> tuple[float, float]:
        geom = self.geoms[i]
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(20):
            xs = self.rng.uniform(minx, maxx, 16)
            ys = self.rng.uniform(miny, maxy, 16)
            inside = shapely.contains_xy(geom, xs, ys)
            if inside.any():
                k = int(np.argmax(inside))
                return round(float(xs[k]), 6), round(float(ys[k]), 6)
        p = geom.representative_point()
        return round(p.x, 6), round(p.y, 6)


# ----------------------------------------------------------------------------- people
class Cast:
    """Who acts: the demo users where the role fits; one handler per other unit, one grid worker per
    grid that reports on patrol (created on first need, with unusable passwords)."""

    def __init__(self):
        load_demo_users()  # idempotent; the demo command calls it again afterwards
        users = {u.username: u for u in User.objects.filter(username__in=[d[0] for d in DEMO_USERS])}
        self.operator, self.dispatcher = users["operator"], users["dispatcher"]
        self.handler, self.gridworker = users["handler"], users["gridworker"]
        self.resident, self.resident2 = users["resident"], users["resident2"]
        self._handlers = {self.handler.unit_id: self.handler}
        self._workers = {self.gridworker.area_id: self.gridworker}
        self.created = 0

    def _user(self, username: str, **fields) -> User:
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            self.created += 1
        return user

    def handler_for(self, unit_id: int) -> User:
        if unit_id not in self._handlers:
            user = (
                User.objects.filter(role=Role.HANDLER, unit_id=unit_id, is_active=True).order_by("pk").first()
            )
            if user is None:
                unit = Unit.objects.get(pk=unit_id)
                user = self._user(
                    f"h_{unit.code.lower()}",
                    role=Role.HANDLER,
                    unit=unit,
                    first_name=f"{unit.name[:130]}承办人",
                )
            self._handlers[unit_id] = user
        return self._handlers[unit_id]

    def worker_for(self, grid_id: int | None, *, create: bool = False) -> User | None:
        if grid_id is None:
            return None
        if grid_id not in self._workers and create:
            grid = Area.objects.get(pk=grid_id)
            self._workers[grid_id] = self._user(
                f"gw_{grid.code}", role=Role.GRIDWORKER, area=grid, first_name=f"{grid.name}网格员"
            )
        return self._workers.get(grid_id)


# ----------------------------------------------------------------------------- plans
@dataclass
class Plan:
    """What will happen to one message: who brings it, where, and which paths its case takes."""

    index: int
    message: Message
    title: str
    text: str
    reply: str
    received_at: dt.datetime
    request_type: str
    channel: str
    creator: str  # operator | web | patrol | resident | resident2
    kind: str
    language: str
    name: str
    lon: float
    lat: float
    grid_id: int | None
    address: str
    reject: bool = False
    answer: bool = False
    merge_into: int | None = None
    returned: bool = False
    extension: str = ""  # "", approve, deny
    suspend: bool = False
    late: bool = False
    late_sign: bool = False
    fail_verify: bool = False
    yellow: bool = False
    handling: float = 0.5  # share of the allowed working time the unit takes to reply
    ratings: tuple = ()  # ((satisfaction, solved), …), one per closure; () = never rated
    stop: str = ""  # the last move made (create|accept|dispatch|return|sign|extend|reply); "" = to the end


@dataclass(frozen=True)
class Pin:
    """A scenario that must be in the demo whatever the draw: work in each demo user's queue."""

    label: str | None = None
    stop: str = ""
    workdays_ago: int = 0  # received on the k-th last working day that is over (0: the latest)
    minutes_ago: float | None = None  # received this long before now instead
    creator: str = "operator"
    channel: str = Channel.HOTLINE
    request_type: str = RequestType.COMPLAINT
    in_gridworker_grid: bool = False
    late: bool = False
    handling: float | None = None
    ratings: tuple | None = None  # None: drawn like any other case


PINS = (
    # the handler (JM.ZJJ handles 城乡建设): three to sign for, two in progress, one overdue with its
    # cards, one whose extension request waits for the dispatcher
    Pin("城乡建设", stop="dispatch", workdays_ago=0),
    Pin("城乡建设", stop="dispatch", workdays_ago=0, channel=Channel.WEB, creator="web"),
    Pin("城乡建设", stop="dispatch", workdays_ago=1, request_type=RequestType.HELP),
    Pin("城乡建设", stop="sign", workdays_ago=2),
    Pin("城乡建设", stop="sign", workdays_ago=5, request_type=RequestType.HELP),
    Pin("城乡建设", stop="sign", workdays_ago=26, late=True),
    Pin("城乡建设", stop="extend", workdays_ago=8, handling=0.3),
    # the grid worker's grid: two cases to verify, one verified and rated, one reported on patrol
    Pin("城乡建设", stop="reply", workdays_ago=4, in_gridworker_grid=True, handling=0.2),
    Pin("环境保护", stop="reply", workdays_ago=6, in_gridworker_grid=True, handling=0.2),
    Pin("城乡建设", workdays_ago=30, in_gridworker_grid=True, handling=0.2, ratings=(("satisfied", True),)),
    Pin(
        "城乡建设",
        workdays_ago=12,
        in_gridworker_grid=True,
        creator="patrol",
        channel=Channel.PATROL,
        handling=0.2,
    ),
    # the residents: accepted, in progress, closed and waiting for their rating, rated
    Pin(stop="accept", workdays_ago=0, creator="resident", channel=Channel.WEB),
    Pin(stop="sign", workdays_ago=3, creator="resident", channel=Channel.WEB),
    Pin(
        workdays_ago=20,
        creator="resident",
        channel=Channel.WEB,
        request_type=RequestType.HELP,
        handling=0.2,
        ratings=(),
    ),
    Pin(
        workdays_ago=45, creator="resident", channel=Channel.WEB, handling=0.4, ratings=(("satisfied", True),)
    ),
    Pin(
        workdays_ago=18,
        creator="resident2",
        channel=Channel.WEB,
        request_type=RequestType.HELP,
        handling=0.2,
        ratings=(),
    ),
    # the operator's and the dispatcher's queues
    Pin(stop="create", minutes_ago=12),
    Pin(stop="create", minutes_ago=40, channel=Channel.WEB, creator="web"),
    Pin(stop="accept", workdays_ago=0),
    Pin(stop="return", workdays_ago=1),
)


def _pick(rng: random.Random, shares: dict) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _guess_type(title: str) -> str | None:
    for request_type, words in TYPE_WORDS:
        if any(w in title for w in words):
            return request_type
    return None


def _assign_types(rng: random.Random, titles: list[str]) -> list[str]:
    """The target mix exactly, each title keeping the type its words say while that type has room."""
    n = len(titles)
    quota = {t: round(share * n) for t, share in TYPE_SHARES.items()}
    quota[RequestType.COMPLAINT] += n - sum(quota.values())
    out: list[str | None] = [None] * n
    order = list(range(n))
    rng.shuffle(order)
    for i in order:
        guess = _guess_type(titles[i])
        if guess and quota[guess] > 0:
            out[i], quota[guess] = guess, quota[guess] - 1
    # Praise is never forced on a message that does not read like one.
    quota[RequestType.COMPLAINT] += quota.pop(RequestType.PRAISE)
    rest = [t for t, k in quota.items() for _ in range(max(k, 0))]
    rng.shuffle(rest)
    for i in order:
        if out[i] is None:
            out[i] = rest.pop() if rest else RequestType.COMPLAINT
    return out  # type: ignore[return-value]


def _utc(moment: dt.datetime) -> dt.datetime:
    """The audit trail hashes each event's time as written and verifies it as read back (in UTC):
    the services are given UTC, as clock.now() gives it, never the local times the calendar returns."""
    return moment.astimezone(dt.UTC)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def _received_times(rng: random.Random, n: int, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """n moments between start and end, fewer on rest days and at night (seeded)."""
    first, last = _local(start).date(), _local(end).date()
    days = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    weights = [1.0 if workdays.day_info(d).is_workday else 0.6 for d in days]
    tz = timezone.get_current_timezone()
    out = []
    while len(out) < n:
        day = rng.choices(days, weights=weights)[0]
        hour = rng.choices(range(24), weights=HOURLY)[0]
        moment = dt.datetime.combine(day, dt.time(hour), tzinfo=tz) + dt.timedelta(
            seconds=rng.randrange(3600)
        )
        if start <= moment < end:
            out.append(moment)
    return sorted(out)


def _workday_morning(end: dt.datetime, k: int, rng: random.Random) -> dt.datetime:
    """Between 08:45 and 09:45 on the k-th last working day whose office hours are over by `end`."""
    tz = timezone.get_current_timezone()
    day, seen = _local(end).date(), -1
    while True:
        if workdays.day_info(day).is_workday and dt.datetime.combine(day, dt.time(18), tzinfo=tz) < end:
            seen += 1
            if seen == k:
                return dt.datetime.combine(day, dt.time(8, 45), tzinfo=tz) + dt.timedelta(
                    minutes=rng.uniform(0, 60)
                )
        day -= dt.timedelta(days=1)


def _person(rng: random.Random, kind: str) -> tuple[str, str]:
    """(name, language) of a made-up requester."""
    if kind == RequesterKind.ANONYMOUS:
        return "", "zh-hans"
    if kind == RequesterKind.ENTERPRISE:
        stem = "".join(rng.sample(GIVEN, 2))
        return f"江门市{stem}{rng.choice(COMPANIES)}有限公司", "zh-hans"
    surname = rng.choice(SURNAMES)
    given = "".join(rng.sample(GIVEN, rng.choice((1, 2))))
    if kind == RequesterKind.HK_MACAO:
        return surname + given, "zh-hant"
    if kind == RequesterKind.OVERSEAS:
        return surname + given, rng.choices(("zh-hans", "zh-hant", "en"), weights=(4, 4, 2))[0]
    return surname + given, "zh-hans"


def _ratings(rng: random.Random, *, answered: bool) -> tuple:
    first = _pick(rng, RATING_SHARES)
    if first == Satisfaction.UNSATISFIED:
        # An answer at intake has no unit to send it back to: its unhappy caller is not "unsolved".
        if not answered and rng.random() < P_UNSOLVED_WHEN_UNSATISFIED:
            second = rng.choices(list(RATING_SHARES)[:2], weights=(6, 4))[0]
            return ((first, False), (second, True))
        return ((first, None if answered else True),)
    return ((first, rng.random() < (0.97 if first == Satisfaction.SATISFIED else 0.85)),)


class History:
    """Plans the history of `n` messages and plays it through the services."""

    def __init__(self, *, n: int, seed: int, end: dt.datetime, days: int, messages: list[Message] | None):
        self.rng = random.Random(seed)
        self.geo_rng = np.random.default_rng(seed)
        self.end, self.start = end, end - dt.timedelta(days=days)
        self.messages = messages if messages is not None else read_messages()
        self.n = min(n, len(self.messages))
        self.names = PlaceNames()
        self.placer = Placer(self.geo_rng)
        self.cast = Cast()
        self.categories = dict(
            Category.objects.filter(level=1, name__in=list(LABEL_BUREAU)).values_list("name", "code")
        )
        units = list(Unit.objects.filter(is_active=True).values_list("pk", "code", "name"))
        self.units = {code: pk for pk, code, _ in units}
        self.unit_code = {pk: code for pk, code, _ in units}
        self.unit_name = {pk: name for pk, _, name in units}
        self.day = dt.timedelta(microseconds=_day_length())
        self.case_pk: dict[int, int] = {}
        self.errors: list[str] = []

    # -- planning ------------------------------------------------------------------------------
    def _fits(self, pin: Pin, m: Message) -> bool:
        if pin.label not in (None, m.label):
            return False
        if not pin.in_gridworker_grid:
            return True
        # A case placed in the grid worker's grid (蓬江区) must not name another district.
        _town, district = self.names.named(*self.names.substitute(m.title, m.text))
        return district in (None, DISTRICTS["蓬江区"])

    def _choose(self) -> list[tuple[Pin | None, Message]]:
        rng, pool = self.rng, list(self.messages)
        rng.shuffle(pool)
        chosen: list[tuple[Pin | None, Message]] = []
        used: set[str] = set()
        for pin in PINS[: self.n]:
            m = next((m for m in pool if m.id not in used and self._fits(pin, m)), None)
            if m is not None:
                chosen.append((pin, m))
                used.add(m.id)
        # The rare thanks (about one in 500 messages) and the messages with a real reply come first
        # (up to 1 % and a quarter of the draw), then a random draw; their order is then shuffled.
        praise = [m for m in pool if m.id not in used and _guess_type(m.title) == RequestType.PRAISE]
        praise = praise[: max(1, self.n // 100)]
        used |= {m.id for m in praise}
        with_reply = [m for m in pool if m.reply and m.id not in used][: max(0, self.n // 4)]
        used |= {m.id for m in with_reply}
        rest = [m for m in pool if m.id not in used]
        free = (praise + with_reply + rest)[: self.n - len(chosen)]
        rng.shuffle(free)
        return chosen + [(None, m) for m in free]

    def plan(self) -> list[Plan]:
        rng = self.rng
        chosen = self._choose()
        free = [m for pin, m in chosen if pin is None]
        times = iter(_received_times(rng, len(free), self.start, self.end))
        types = iter(_assign_types(rng, [m.title for m in free]))
        plans: list[Plan] = []
        first_of: dict[str, int] = {}
        for pin, m in sorted(chosen, key=lambda pm: pm[0] is not None):
            plan = self._plan_one(
                len(plans), pin, m, None if pin else next(times), None if pin else next(types)
            )
            if pin is None:
                key = m.text[:80]
                if key in first_of:  # the same message again: merged into the first (并案)
                    parent = plans[first_of[key]]
                    later = parent.received_at + dt.timedelta(hours=rng.uniform(0.5, 48))
                    if later < self.end and not (parent.answer or parent.reject):
                        plan = replace(
                            plan,
                            received_at=later,
                            merge_into=parent.index,
                            ratings=(),
                            answer=False,
                            reject=False,
                        )
                else:
                    first_of[key] = plan.index
            plans.append(plan)
        return sorted(plans, key=lambda p: p.received_at)

    def _plan_one(self, index: int, pin: Pin | None, m: Message, at, request_type) -> Plan:
        rng = self.rng
        title, text, reply = self.names.substitute(m.title, m.text, m.reply)
        if pin is not None:
            request_type, channel, creator = pin.request_type, pin.channel, pin.creator
            at = (
                self.end - dt.timedelta(minutes=pin.minutes_ago)
                if pin.minutes_ago is not None
                else _workday_morning(self.end, pin.workdays_ago, rng)
            )
        else:
            patrol = (
                m.label in PATROL_LABELS
                and request_type in (RequestType.COMPLAINT, RequestType.REPORT, RequestType.HELP)
                and rng.random() < 0.25
            )
            if patrol:
                channel, creator = Channel.PATROL, "patrol"
            elif rng.random() < 0.62:
                channel, creator = Channel.HOTLINE, "operator"
            else:
                channel, creator = Channel.WEB, "web"
        if pin is not None and pin.in_gridworker_grid:
            grid_index = self.placer.index_of(self.cast.gridworker.area_id)
        else:
            town, district = self.names.named(title, text)
            grid_index = self.placer.grid_of(town=town, district=district)
        lon, lat = self.placer.point_in(grid_index)
        found = locate(lon, lat)
        chain = found.chain if found else ()
        grid_id = found.grid.id if found and found.grid else None
        address = "".join(
            a.name for a in chain if a.level in (Level.CITY, Level.DISTRICT, Level.TOWN, Level.COMMUNITY)
        )
        if creator in ("patrol", "resident", "resident2"):
            kind = RequesterKind.RESIDENT
        else:
            kind = _pick(rng, KIND_SHARES)
        name, language = _person(rng, kind)
        if creator == "patrol":
            name = ""
        elif creator in ("resident", "resident2"):
            user = getattr(self.cast, creator)
            name = user.get_full_name() or name
        if language == "zh-hant":  # a Hong Kong or overseas requester writes in traditional characters
            title, text = _s2t().convert(title), _s2t().convert(text)
        answer = (
            channel == Channel.HOTLINE
            and request_type == RequestType.CONSULT
            and pin is None
            and rng.random() < P_ANSWER_HOTLINE_CONSULT
        )
        reject = pin is None and not answer and creator != "patrol" and rng.random() < P_REJECT
        contactable = creator != "patrol" and kind != RequesterKind.ANONYMOUS
        ratings = _ratings(rng, answered=answer) if contactable and rng.random() >= P_NEVER_RATED else ()
        if request_type == RequestType.PRAISE:
            ratings = ((Satisfaction.SATISFIED, True),) if ratings else ()
        plan = Plan(
            index=index,
            message=m,
            title=title,
            text=text,
            reply=reply,
            received_at=at,
            request_type=request_type,
            channel=channel,
            creator=creator,
            kind=kind,
            language=language,
            name=name,
            lon=lon,
            lat=lat,
            grid_id=grid_id,
            address=address,
            reject=reject,
            answer=answer,
            returned=rng.random() < P_RETURN,
            extension=(
                ("approve" if rng.random() < P_EXTENSION_APPROVED else "deny")
                if rng.random() < P_EXTENSION
                else ""
            ),
            suspend=rng.random() < P_SUSPEND,
            late=rng.random() < P_LATE,
            late_sign=rng.random() < P_LATE_SIGN,
            fail_verify=rng.random() < P_FAIL_VERIFY,
            yellow=rng.random() < P_YELLOW_ON_TIME,
            handling=min(0.85, max(0.05, rng.betavariate(2.0, 2.6))),
            ratings=ratings,
        )
        if pin is not None:
            plan = replace(
                plan,
                returned=pin.stop == "return",
                extension="approve" if pin.stop == "extend" else "",
                suspend=False,
                late=pin.late,
                late_sign=False,
                fail_verify=False,
                yellow=False,
                handling=pin.handling if pin.handling is not None else plan.handling,
                ratings=pin.ratings if pin.ratings is not None else plan.ratings,
                stop=pin.stop,
            )
        return plan

    # -- playing -------------------------------------------------------------------------------
    def play(self, plans: list[Plan], *, progress: bool = False) -> None:
        """Run every plan's script in one time order, the clock frozen at each move."""
        order = itertools.count()  # equal times keep the order they were scheduled in
        heap = [(p.received_at, next(order), p.index) for p in plans]
        heapq.heapify(heap)
        scripts = {p.index: self._script(p) for p in plans}
        ids = {p.index: p.message.id for p in plans}
        bar = tqdm(total=len(plans), desc="cases", unit="case", disable=not progress)
        try:
            while heap:
                at, _, i = heapq.heappop(heap)
                clock.freeze(_utc(at))
                try:
                    wanted = next(scripts[i])
                except StopIteration:
                    wanted = None
                except ApplicationError as exc:  # a plan the rules refuse: record it, end that case
                    self.errors.append(f"{ids[i]}: {exc.code} {exc}")
                    wanted = None
                if wanted is None or wanted > self.end:
                    scripts.pop(i).close()
                    bar.update(1)
                    continue
                heapq.heappush(heap, (max(wanted, at), next(order), i))
        finally:
            bar.close()
            clock.freeze(None)

    def _move(self, case: Case, action: str, user, payload: dict, at: dt.datetime) -> Case:
        actor = Actor.system() if user is None else Actor.of(user)
        return perform(case=case, action=action, actor=actor, payload=payload, at=_utc(at))

    def office(self, t: dt.datetime, hours: float) -> dt.datetime:
        """`hours` of office time after t (the clock of units and dispatchers)."""
        return workdays.add_working_time(t, dt.timedelta(hours=max(hours, 0.01))).due

    def office_hours_between(self, a: dt.datetime, b: dt.datetime) -> float:
        if b <= a:
            return 0.0
        return workdays.working_time_between(a, b).duration.total_seconds() / 3600

    def _script(self, p: Plan):
        """The moves of one case, as a generator: it yields the time of its next move and makes
        that move when resumed (the clock is then frozen at that time)."""
        rng, cast = self.rng, self.cast
        t = p.received_at
        case = self._create(p, t)
        self.case_pk[p.index] = case.pk
        if p.stop == "create":
            return
        # intake (a classifier sure enough may have routed it already: then it goes on from there)
        if p.reject and case.status == S.RECEIVED:
            t = (
                t + dt.timedelta(minutes=rng.uniform(3, 20))
                if p.channel == Channel.HOTLINE
                else self.office(t, 1)
            )
            yield t
            self._move(case, "reject", cast.operator, {"reason": rng.choice(REJECT_REASONS)}, t)
            return
        if p.answer and case.status in (S.RECEIVED, S.ACCEPTED):
            t += dt.timedelta(minutes=rng.uniform(2, 15))
            yield t
            payload = {"text": self._answer_text(p), "note": self._credit(p)}
            case = self._move(case, "answer", cast.operator, payload, t)
            for satisfaction, solved in p.ratings[:1]:
                t = self.office(t, rng.uniform(2, 16))
                yield t
                self._move(case, "rate", cast.operator, {"satisfaction": satisfaction, "solved": solved}, t)
            return
        if p.merge_into is not None and p.merge_into in self.case_pk:
            t = self.office(t, rng.uniform(0.2, 2))
            yield t
            parent = (
                Case.objects.filter(pk=self.case_pk[p.merge_into]).values_list("number", "status").first()
            )
            if parent and parent[1] in (S.RECEIVED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED):
                self._move(case, "merge", cast.dispatcher, {"into": parent[0], "note": self._credit(p)}, t)
                return
        if case.status == S.RECEIVED:
            if p.channel == Channel.HOTLINE:
                t += dt.timedelta(minutes=rng.uniform(2, 20))
            else:
                t = self.office(t, rng.uniform(0.2, 3))
            yield t
            who = cast.dispatcher if p.channel == Channel.PATROL else cast.operator
            payload = {"category": self.categories[p.message.label], "note": self._credit(p)}
            case = self._move(case, "accept", who, payload, t)
            if p.stop == "accept":
                return
        if case.status == S.ACCEPTED:
            t = self.office(t, rng.uniform(0.1, 2.5))
            yield t
            case = self._dispatch(case, p, t)
            if p.stop == "dispatch":
                return
        if case.status != S.DISPATCHED:
            return
        yield from self._handle(p, case, t)

    def _handle(self, p: Plan, case: Case, t: dt.datetime):
        rng, cast = self.rng, self.cast
        if p.returned:
            handler = cast.handler_for(case.lead_unit_id)
            t = self.office(t, rng.uniform(0.5, 5))
            yield t
            if rng.random() < 0.5:
                case = self._move(case, "sign", handler, {}, t)
            case = self._move(case, "return", handler, {"reason": rng.choice(RETURN_REASONS)}, t)
            if p.stop == "return":
                return
            t = self.office(t, rng.uniform(0.5, 4))
            yield t
            payload = {"lead_unit": self._alternative(case), "reason": "退回理由成立，改派属地办理。"}
            case = self._move(case, "redispatch", cast.dispatcher, payload, t)
        handler = cast.handler_for(case.lead_unit_id)
        if p.late_sign and case.response_due_at:
            t = self.office(max(t, case.response_due_at), rng.uniform(0.5, 6))
        else:
            t = self.office(t, rng.uniform(0.2, 5))
        yield t
        case = self._move(case, "sign", handler, {}, t)
        if p.suspend:
            t = self.office(t, rng.uniform(1, 8))
            yield t
            case = self._move(case, "suspend", cast.dispatcher, {"reason": rng.choice(SUSPEND_REASONS)}, t)
            t = self.office(t + dt.timedelta(days=rng.uniform(2, 7)), rng.uniform(0.5, 3))
            yield t
            case = self._move(
                case, "resume", cast.dispatcher, {"reason": "已具备继续办理条件，恢复计时。"}, t
            )
        if p.extension and case.due_at and t < case.due_at:  # asked for within the time limit only
            t = self.office(t, max(0.5, 0.4 * self.office_hours_between(t, case.due_at)))
            yield t
            days = rng.choice((5, 5, 10, 15))
            payload = {"days": days, "reason": rng.choice(EXTENSION_REASONS)}
            case = self._move(case, "extend", handler, payload, t)
            if p.stop == "extend":
                return
            t = self.office(t, rng.uniform(1, 6))
            yield t
            case = self._move(case, "extend", cast.dispatcher, {"decision": p.extension}, t)
        rounds, ratings = 0, list(p.ratings)
        while True:
            reply_at = self._reply_time(p, case, t, rounds)
            if rounds == 0 and (p.late or p.yellow):
                case, t = yield from self._supervise(p, case, t, reply_at)
            if p.stop == "sign":
                return
            t = max(t, reply_at)
            yield t
            case = self._move(case, "reply", handler, {"text": self._reply_text(p, case)}, t)
            if p.stop == "reply":
                return
            due = case.due_at
            if case.status == S.REPLIED:  # no on-site verification (no grid, or switched off)
                t = self.office(t, rng.uniform(0.5, 4))
                yield t
                case = self._move(case, "close", cast.dispatcher, {}, t)
            elif case.status == S.VERIFYING:
                left = self.office_hours_between(t, due) if due and not p.late and rounds == 0 else 0
                gap = min(rng.uniform(1, 10), 0.8 * left) if left > 0.2 else rng.uniform(1, 14)
                t = self.office(t, gap)
                yield t
                passed = not (p.fail_verify and rounds == 0)
                worker = cast.worker_for(case.grid_id) or cast.dispatcher
                note = rng.choice(VERIFY_PASSED if passed else VERIFY_FAILED)
                case = self._move(case, "verify", worker, {"passed": passed, "note": note}, t)
                if not passed:
                    rounds += 1
                    continue
            if case.status != S.CLOSED or not ratings:
                return
            satisfaction, solved = ratings.pop(0)
            t = self._rating_time(p, t)
            yield t
            rater = getattr(cast, p.creator) if p.creator in ("resident", "resident2") else cast.operator
            case = self._move(case, "rate", rater, {"satisfaction": satisfaction, "solved": solved}, t)
            if (
                case.status == S.RATED
                and satisfaction == Satisfaction.UNSATISFIED
                and solved is False
                and ratings
            ):
                t = self.office(t, rng.uniform(1, 8))  # the dispatcher sends it back after the callback
                yield t
                reason = "群众回访不满意，问题未解决，退回承办单位重办。"
                case = self._move(case, "reopen", cast.dispatcher, {"reason": reason}, t)
            if case.status != S.IN_PROGRESS:
                return
            rounds += 1

    def _supervise(self, p: Plan, case: Case, t: dt.datetime, reply_at: dt.datetime):
        """Yellow card near the deadline, red card past it (the dispatcher's 督办)."""
        rng = self.rng
        if case.yellow_at and t < case.yellow_at < reply_at:
            t = self.office(case.yellow_at, rng.uniform(0.1, 2))
            if t < reply_at:
                yield t
                case = self._move(
                    case,
                    "supervise",
                    self.cast.dispatcher,
                    {"card": "yellow", "note": "临近办理时限，请抓紧办理。"},
                    t,
                )
        if p.late and case.due_at:
            red = self.office(max(t, case.due_at), rng.uniform(0.5, 4))
            if red < reply_at:
                t = red
                yield t
                # Not escalated: an escalation texts the dispatchers, which a replayed history must not do.
                payload = {"card": "red", "note": "已超过办理时限，请立即办理并说明原因。"}
                case = self._move(case, "supervise", self.cast.dispatcher, payload, t)
        return case, t

    def _reply_time(self, p: Plan, case: Case, t: dt.datetime, rounds: int) -> dt.datetime:
        rng, day_hours = self.rng, self.day.total_seconds() / 3600
        if rounds > 0:
            return self.office(t, rng.uniform(0.5, 4) * day_hours)
        due = case.due_at
        if due is None:
            return self.office(t, rng.uniform(1, 5) * day_hours)
        if p.late or due <= t:
            days_late = rng.uniform(5, 25) if rng.random() < P_LONG_LATE else rng.uniform(0.3, 5)
            return self.office(max(t, due), days_late * day_hours)
        return self.office(t, max(0.25, p.handling * self.office_hours_between(t, due)))

    def _rating_time(self, p: Plan, t: dt.datetime) -> dt.datetime:
        if p.creator in ("resident", "resident2"):
            return t + dt.timedelta(hours=self.rng.uniform(1, 72))
        return self.office(t, self.rng.uniform(2, 16))  # the hotline's callback (回访)

    def _create(self, p: Plan, t: dt.datetime) -> Case:
        cast = self.cast
        if p.creator == "patrol":
            actor = Actor.of(cast.worker_for(p.grid_id, create=True) or cast.gridworker)
        elif p.creator == "web":
            actor = Actor.system()  # a web form sent without an account
        else:
            actor = Actor.of(getattr(cast, p.creator))
        placement = "gps" if p.channel == Channel.PATROL else self.rng.choice(("map", "map", "gps"))
        data = CaseInput(
            request_type=p.request_type,
            title=p.title[:200],
            text=p.text[:5000],
            lon=p.lon,
            lat=p.lat,
            address=p.address,
            placement=placement,
            requester_name=p.name,
            requester_kind=p.kind,
            requester_language=p.language,
            channel=p.channel,
            received_at=_utc(t),
        )
        return case_create(data=data, actor=actor)

    def _credit(self, p: Plan) -> str:
        """The source, on the case's first move after intake (a case has no field for it yet)."""
        reply = f"，答复 {p.message.reply_id}" if p.message.reply_id and p.reply else ""
        return f"{SOURCE_NOTE}（留言 {p.message.id}{reply}）"

    def _dispatch(self, case: Case, p: Plan, t: dt.datetime) -> Case:
        try:  # the responsibility list decides
            return self._move(case, "dispatch", self.cast.dispatcher, {}, t)
        except ApplicationError as exc:
            if exc.code != codes.NO_UNIT:
                raise
        payload = {"lead_unit": LABEL_BUREAU[p.message.label]}
        return self._move(case, "dispatch", self.cast.dispatcher, payload, t)

    def _alternative(self, case: Case) -> str:
        """Where a returned case goes: the place's own government (属地), else urban management."""
        refs = get_index().refs
        town = refs[case.town_id].code[:9] if case.town_id in refs else None
        district = refs[case.district_id].code if case.district_id in refs else None
        lead = self.unit_code.get(case.lead_unit_id, "")
        for code in (district, town, "JM.CGJ"):
            if code and code in self.units and code != lead:
                return code
        return "JM.CGJ"

    def _reply_text(self, p: Plan, case: Case) -> str:
        if p.reply:
            return p.reply
        unit = self.unit_name.get(case.lead_unit_id, "承办单位")
        if p.request_type == RequestType.PRAISE:
            return f"感谢您对{unit}工作的肯定，我们已将您的表扬转达相关工作人员，将继续做好服务。"
        finding = self.rng.choice(REPLY_TEMPLATES[p.request_type]).format(unit=unit)
        return (
            f"您好！您反映的“{p.title[:40]}”问题已收悉。{finding}。"
            "感谢您对我们工作的关心和支持。如有疑问，请拨打12345热线。"
        )

    def _answer_text(self, p: Plan) -> str:
        if p.reply:
            return p.reply
        return (
            f"您好！关于您咨询的“{p.title[:40]}”，答复如下：{self.rng.choice(CONSULT_ANSWERS)}。"
            "如需进一步了解，可再次拨打12345热线。"
        )


def _day_length() -> int:
    return current_schedule().day_length


def load_history(
    *,
    cases: int = DEFAULT_CASES,
    seed: int = SEED,
    now: dt.datetime | None = None,
    days: int = DAYS,
    messages: list[Message] | None = None,
    progress: bool = False,
) -> dict:
    """Play `cases` real messages through the closed loop over the `days` before `now`.

    Needs the demo geography, units, categories, rules and deadline policies (platform.demo.load_demo
    loads them first). Always releases the project clock at the end.
    """
    if not settings.DEMO_MODE:
        raise RuntimeError("the demo history loads in demo mode only")
    started = time.monotonic()
    end = now or clock.now()
    events_before = CaseEvent.objects.count()
    try:
        with transaction.atomic():
            history = History(n=cases, seed=seed, end=end, days=days, messages=messages)
            plans = history.plan()
            history.play(plans, progress=progress)
    finally:
        clock.freeze(None)
    pks = list(history.case_pk.values())
    statuses = Counter(Case.objects.filter(pk__in=pks).values_list("status", flat=True))
    return {
        "cases": len(pks),
        "events": CaseEvent.objects.count() - events_before,
        "statuses": dict(sorted(statuses.items())),
        "users_created": history.cast.created,
        "errors": history.errors,
        "seconds": round(time.monotonic() - started, 1),
        "message_ids": [p.message.id for p in plans],  # for the demo classifier to leave out
    }
