"""Hot topics 热点话题: clusters of similar recent cases per area, with keywords, size and trend.

- Text: a case's title and text, cut into words by jieba; stop words, single characters, numbers
  and the anonymised place codes of the sample data (A市, A3区) are dropped.
- Vectors: TF-IDF over words (sublinear tf, words in at least 2 cases) plus character bigrams of the
  title (they catch names jieba cuts differently), L2-normalised.
- Clusters: average-linkage agglomerative clustering on cosine distance, cut at DISTANCE (two cases
  are in one topic when their average similarity is at least 1 - DISTANCE); clusters of at least
  MIN_SIZE cases are topics. Average linkage does not chain unrelated cases the way single linkage
  does, and needs no number of topics in advance.
- Keywords: the words with the highest mean TF-IDF in the cluster; title: the title of the case
  nearest the cluster's centre. Trend: cases in the window's last 7 days against the 7 before.

Quadratic in the cases of one area and window, so an area's window is capped at MAX_CASES (the most
recent). Recomputed by the periodic task (topics_refresh), stored as Topic rows per area.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from yiwang.cases.models import Case, Status
from yiwang.core import clock
from yiwang.geo.models import Area, Level
from yiwang.workdays.snapshot import current_schedule

from .intake import local_today
from .models import Topic

log = logging.getLogger("yiwang.analytics")
WINDOW_DAYS = 30
DISTANCE = 0.72
MIN_SIZE = 3
MAX_CASES = 4000
KEYWORDS = 5

STOP = set(
    """的 了 和 是 在 我 我们 你 你们 他 她 它 他们 有 也 就 都 而 及 与 着 或 一个 没有 不 人 这 那 这个 那个 这些
    那些 这里 那里 什么 怎么 为什么 如何 因为 所以 但是 但 还 又 已经 可以 能够 需要 应该 希望 要求 请 请问 问题
    反映 投诉 咨询 建议 举报 求助 情况 相关 部门 有关 领导 政府 市民 居民 群众 本人 现在 目前 一直 多次 尽快
    解决 处理 关于 对于 进行 存在 严重 非常 很多 可能 是否 以及 为了 通过 一下 一些 谢谢 您好 你好 感谢 还是
    情况 时候 其中 之后 之前 以后 以上 以下 年 月 日 号 时 等 个 把 被 让 给 对 向 从 到 由 于 为 之 其 该 此 各 每
    没 很 最 更 再 才 只 能 会 要 想 说 看 去 来 做 上 下 中 后 前 里 内 外 今年 去年 明年 今天 昨天 已 将 并""".split()
)
_PLACE_CODE = re.compile(r"^[A-Za-z]\d*[市区县镇]?$|^\d+$|^[a-zA-Z0-9.\-_%]+$")


def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def words(text: str) -> list[str]:
    jieba = _tokenizer()
    return [w for w in jieba.lcut(text) if len(w) > 1 and w not in STOP and not _PLACE_CODE.match(w)]


@dataclass
class Cluster:
    members: list[int]  # indexes into the input
    keywords: list[str]
    centre: int  # index of the member nearest the centre
    score: float = 0.0
    extra: dict = field(default_factory=dict)


def cluster_texts(titles: list[str], texts: list[str], *, distance: float = DISTANCE, min_size: int = MIN_SIZE):
    """Group similar messages: [Cluster], biggest first."""
    n = len(titles)
    if n < min_size:
        return []
    docs = [" ".join(words(f"{t}。{x}")) for t, x in zip(titles, texts, strict=True)]
    # Words in more than 30% of the cases say nothing about one topic; on a handful of cases that
    # cut would drop the topic itself.
    max_df = 0.3 if n >= 50 else 1.0
    tfidf = TfidfVectorizer(
        tokenizer=str.split, token_pattern=None, lowercase=False, sublinear_tf=True, min_df=2, max_df=max_df
    )
    try:
        w = tfidf.fit_transform(docs)
    except ValueError:  # no word in two cases
        return []
    grams = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, min_df=2, max_df=max_df)
    try:
        g = grams.fit_transform(titles)
        x = normalize(sparse.hstack([w, 0.6 * g]).tocsr())
    except ValueError:
        x = normalize(w)
    similarity = (x @ x.T).toarray()
    np.clip(similarity, 0.0, 1.0, out=similarity)
    dist = 1.0 - similarity[np.triu_indices(n, k=1)]
    labels = fcluster(linkage(dist, method="average"), t=distance, criterion="distance")
    vocabulary = np.array(tfidf.get_feature_names_out())
    out = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if members.size < min_size:
            continue
        weights = np.asarray(w[members].mean(axis=0)).ravel()
        top = [vocabulary[i] for i in np.argsort(-weights)[:KEYWORDS] if weights[i] > 0]
        centre = members[np.argmax(similarity[np.ix_(members, members)].sum(axis=1))]
        out.append(Cluster(members=members.tolist(), keywords=top, centre=int(centre)))
    out.sort(key=lambda c: -len(c.members))
    return out


def _window(day: dt.date) -> tuple[dt.date, dt.date]:
    return day - dt.timedelta(days=WINDOW_DAYS - 1), day + dt.timedelta(days=1)


def topics_for(area: Area | None, *, day: dt.date | None = None) -> list[Topic]:
    """Compute (not store) the hot topics of an area (None: the city) for the window ending `day`."""
    day = day or local_today()
    start, end = _window(day)
    tz = current_schedule().tz
    lo = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time(), tzinfo=tz)
    qs = Case.objects.filter(received_at__gte=lo, received_at__lt=hi).exclude(status=Status.REJECTED)
    if area is not None:
        field_name = {Level.DISTRICT: "district", Level.TOWN: "town", Level.COMMUNITY: "community"}.get(
            area.level, "grid"
        )
        qs = qs.filter(**{field_name: area})
    rows = list(qs.order_by("-received_at").values_list("id", "title", "text", "received_at")[:MAX_CASES])
    clusters = cluster_texts([r[1] for r in rows], [r[2][:400] for r in rows])
    now = clock.now()
    topics = []
    for c in clusters:
        days = [(rows[i][3].astimezone(tz).date() - start).days for i in c.members]
        daily = np.bincount(days, minlength=WINDOW_DAYS)[:WINDOW_DAYS]
        topics.append(
            Topic(
                area=area,
                computed_at=now,
                window_start=start,
                window_end=end,
                title=rows[c.centre][1][:200],
                keywords=c.keywords,
                size=len(c.members),
                recent=int(daily[-7:].sum()),
                earlier=int(daily[-14:-7].sum()),
                daily=daily.tolist(),
                case_ids=[rows[i][0] for i in c.members],
            )
        )
    return topics


def topics_refresh(*, day: dt.date | None = None) -> int:
    """Recompute and store the hot topics of the city and of each district."""
    stored = 0
    for area in [None, *Area.objects.filter(level=Level.DISTRICT).order_by("code")]:
        topics = topics_for(area, day=day)
        Topic.objects.filter(area=area).delete()
        Topic.objects.bulk_create(topics)
        stored += len(topics)
    return stored


def topics_of(area: Area | None) -> list[Topic]:
    """The stored topics of an area: its own, or those of its district (towns and below)."""
    node = area
    while node is not None and node.level > Level.DISTRICT:
        node = node.parent
    if node is not None and node.level == Level.CITY:
        node = None
    return list(Topic.objects.filter(area=node).order_by("-size", "title"))
