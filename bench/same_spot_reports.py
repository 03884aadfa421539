"""Generated reports from the same spot: the duplicates that words alone miss (used by bench/duplicates.py).

Ten kinds of street problems, each written four ways by hand, the way different residents would
report it (no shared sentence, few shared words). Sites are random points in central Jiangmen. At
each site one problem is reported two or three times (different wordings, within 40 m and 12 hours:
labelled duplicates of each other) and another problem once, at the same spot and time (labelled
not a duplicate: the hard case for a finder that trusts place and time). Problems of one category
are paired too, so the category does not give the answer away. Everything is marked as generated;
the labels come from the generator, never from the scores being measured.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass

# (category code in the demo tree, four wordings of one problem as (title, text))
KINDS: list[tuple[str, list[tuple[str, str]]]] = [
    ("C01", [("井盖缺失", "人行道上的井盖不见了，晚上很危险，有人差点掉下去。"),
             ("下水道没盖子", "路边有个下水口敞开着，盖板被人偷走了，小孩路过容易出事。"),
             ("窨井盖丢失", "窨井盖丢失，只剩一个黑洞，请尽快补上。"),
             ("路面有个坑洞没盖", "这里地上一个圆洞没有盖板，电动车差点摔倒。")]),
    ("C01", [("路灯不亮", "这一段的路灯坏了好几天，晚上一片漆黑。"),
             ("街灯坏了", "街灯一到晚上就不亮，走夜路很害怕。"),
             ("夜间照明缺失", "路口照明设施失灵，夜里看不清来往车辆。"),
             ("灯杆不亮", "两根灯杆都不亮了，附近居民出行不便。")]),
    ("C01", [("路面塌陷", "马路中间塌了一块，车辆经过都要绕行。"),
             ("道路破损", "路面坑坑洼洼，下雨积水，骑车很容易摔。"),
             ("马路裂开", "柏油路面裂开一道大口子，越来越宽了。"),
             ("地面下沉", "路边地面明显下沉，担心下面被掏空。")]),
    ("C03", [("垃圾堆放", "垃圾桶满了没人清理，旁边堆了一大堆，臭气熏天。"),
             ("生活垃圾没人收", "好几天没有收垃圾，苍蝇老鼠很多。"),
             ("乱倒垃圾", "有人把装修垃圾倒在路边，堆成小山。"),
             ("环境卫生差", "这个角落成了垃圾场，环卫工人一直没来。")]),
    ("C03", [("夜间施工噪音", "工地半夜还在打桩，吵得整栋楼睡不着。"),
             ("噪音扰民", "晚上十二点后还有机器轰鸣，严重影响休息。"),
             ("凌晨施工", "凌晨两点还在运泥头车和施工，太吵了。"),
             ("工地太吵", "附近工地每天夜里作业，老人小孩都受不了。")]),
    ("C04", [("水管爆裂", "路边水管爆了，水一直往外喷，浪费严重。"),
             ("自来水漏水", "地面一直冒水，应该是地下管道破了。"),
             ("供水管道破裂", "供水管破裂，整条路都被水淹了。"),
             ("路上冒水", "从井口不停往外涌清水，已经流了一上午。")]),
    ("C05", [("违章停车", "小区门口长期有车乱停，堵住了消防通道。"),
             ("车辆乱停放", "人行道上停满了车，行人只能走到马路上。"),
             ("占用消防通道", "消防通道被私家车占了，出事了消防车进不来。"),
             ("僵尸车", "一辆车停了半年没动，轮胎都瘪了，占着车位。")]),
    ("C03", [("树木倒伏", "台风过后大树倒在路上，挡住了一半车道。"),
             ("断枝悬挂", "树上有根大枝断了挂在半空，随时会掉下来砸人。"),
             ("行道树倒了", "一棵行道树连根倒下，压到了旁边的围栏。"),
             ("树枝挡路", "倒下的树枝横在人行道上，没人清理。")]),
    ("C01", [("排水不畅", "一下雨这里就积水，水渠堵住了排不出去。"),
             ("下水道堵塞", "下水道堵了，污水从井口漫出来，很臭。"),
             ("雨水口堵了", "路边雨水口被落叶和泥沙堵死，积水到膝盖。"),
             ("积水严重", "每次下雨门口都是一片汪洋，排水系统有问题。")]),
    ("C06", [("流浪狗伤人", "附近有一群流浪狗，追着路人叫，昨天咬了一个小孩。"),
             ("野狗太多", "小区周边野狗越来越多，晚上不敢出门。"),
             ("无主犬只", "几条没人管的狗在学校门口游荡，家长很担心。"),
             ("犬只扰民", "流浪犬整夜吠叫，还翻垃圾桶。")]),
]

START = dt.datetime(2025, 6, 2, 1, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Report:
    site: int
    kind: int
    title: str
    text: str
    category: str
    lon: float
    lat: float
    at: dt.datetime


def _moved(lon: float, lat: float, metres: float, rng: random.Random) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    dx, dy = metres * math.cos(angle), metres * math.sin(angle)
    return lon + dx / (111_320 * math.cos(math.radians(lat))), lat + dy / 110_540


def generate(sites: int = 80, seed: int = 0) -> tuple[list[Report], set[tuple[int, int]]]:
    """The reports, and the labelled duplicate pairs (indexes into the list, ascending)."""
    rng = random.Random(seed)
    reports: list[Report] = []
    positives: set[tuple[int, int]] = set()
    for site in range(sites):
        lon, lat = rng.uniform(113.02, 113.12), rng.uniform(22.55, 22.65)
        day = START + dt.timedelta(days=rng.uniform(0, 60))
        kind, other = rng.sample(range(len(KINDS)), 2)
        same_category = [k for k in range(len(KINDS)) if k != kind and KINDS[k][0] == KINDS[kind][0]]
        if same_category and rng.random() < 0.5:  # half the hard cases share the category
            other = rng.choice(same_category)
        first = len(reports)
        for wording in rng.sample(KINDS[kind][1], rng.choice((2, 3))):
            p = _moved(lon, lat, rng.uniform(0, 40), rng)
            reports.append(Report(site, kind, *wording, KINDS[kind][0], *p, day + dt.timedelta(hours=rng.uniform(0, 12))))
        positives.update(itertools.combinations(range(first, len(reports)), 2))
        p = _moved(lon, lat, rng.uniform(0, 40), rng)
        reports.append(Report(site, other, *rng.choice(KINDS[other][1]), KINDS[other][0], *p,
                              day + dt.timedelta(hours=rng.uniform(0, 12))))
    return reports, positives
