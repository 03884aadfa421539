"""Similar-case retrieval (yiwang.classify.similar) against two baselines, on the shared messages.

Two measurements, each over queries that never sit in the index with a copy of themselves
(near-duplicate groups as in the classifier, pipeline.duplicate_groups):

A. train.csv, same category: a duplicate-aware 80/20 split; the 80 % are the closed cases (with
   their labels), each of the 20 % asks for its k most similar. precision@k = share of the k whose
   label equals the query's true label. The query's own category, for the category bonus, is the
   classifier's prediction (a classifier fitted on the 80 %), as at intake: never its true label.
B. replies.csv, same department: the department that answered (a bureau named in the reply, e.g.
   教育局, 住建局; synonyms merged) is known for ~880 of the 2,793 messages. Each of those asks for its
   k most similar among the other messages that have a department; precision@k = share answered by
   the same department. Categories for the bonus are the classifier's predictions (fitted on all of
   train.csv; replies.csv is a different set of messages).

Methods, same queries:
- random: k rows drawn at random (seeded) from the index;
- bigram overlap: rows of the query's (predicted) category ranked by how many distinct character
  bigrams they share with it (what the unit desk did before yiwang.classify's selector);
- tf-idf: cosine of character-bigram TF-IDF of the text alone;
- ours: yiwang.classify.similar.SimilarIndex (body 1-2-grams + title 1-3-grams, category bonus).

`ratio` = ours precision@5 / tf-idf precision@5 on B (the department a reply came from is what a
handler reuses). The last line is one JSON object.

    .venv/bin/python bench/similar_cases.py [--k 5]
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yiwang.classify import pipeline as P  # noqa: E402
from yiwang.classify.similar import SimilarIndex  # noqa: E402

DATA = ROOT / "data" / "messages"
BUREAU = re.compile(
    r"(住房和城乡建设|住建|教育|人力资源和社会保障|人社|卫生健康|卫健|卫计|交通运输|交通|生态环境|环保|环境保护|"
    r"城市管理|城管|公安|市场监督管理|市场监管|工商|自然资源|国土|规划|民政|财政|医疗保障|医保|水务|林业|农业|"
    r"文化|旅游|商务|税务|发展和改革|发改|应急管理|司法|信访)(局|委|厅|委员会)"
)
SAME = {
    "住房和城乡建设": "住建",
    "人力资源和社会保障": "人社",
    "卫生健康": "卫健",
    "卫计": "卫健",
    "交通运输": "交通",
    "生态环境": "环保",
    "环境保护": "环保",
    "城市管理": "城管",
    "市场监督管理": "市场监管",
    "工商": "市场监管",
    "自然资源": "国土",
    "医疗保障": "医保",
    "发展和改革": "发改",
}


def department(reply: str) -> str | None:
    m = BUREAU.search(reply)
    return SAME.get(m.group(1), m.group(1)) if m else None


def tfidf_rank(index_texts, query_texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, lowercase=False)
    X = v.fit_transform([P._strip(P.normalise(t)) for t in index_texts])
    Q = v.transform([P._strip(P.normalise(t)) for t in query_texts])
    return lambda qi: np.asarray((X @ Q[qi].T).todense()).ravel()


def overlap_rank(index_texts, query_texts, index_labels, query_labels):
    from sklearn.feature_extraction.text import CountVectorizer

    v = CountVectorizer(analyzer="char", ngram_range=(2, 2), lowercase=False, binary=True)
    X = v.fit_transform([P._strip(P.normalise(t)) for t in index_texts])
    Q = v.transform([P._strip(P.normalise(t)) for t in query_texts])
    labels = np.asarray(index_labels, dtype=object)

    def rank(qi):
        s = np.asarray((X @ Q[qi].T).todense()).ravel().astype(float)
        s[labels != query_labels[qi]] = -1  # only the same category is considered
        return s

    return rank


def precision(rank, n_queries, relevant, excluded, k, rng=None, n_index=0):
    hits = []
    for qi in range(n_queries):
        if rng is not None:
            pool = np.setdiff1d(np.arange(n_index), excluded(qi))
            top = rng.choice(pool, size=k, replace=False)
        else:
            s = rank(qi).astype(float)
            s[excluded(qi)] = -np.inf
            top = np.argpartition(-s, k - 1)[:k]
            top = top[np.argsort(-s[top], kind="stable")]
        hits.append([relevant(qi, int(i)) for i in top])
    hits = np.asarray(hits, dtype=float)
    return {"p@1": round(float(hits[:, 0].mean()), 4), f"p@{k}": round(float(hits.mean()), 4)}


def run_a(k):
    rows = P.read_rows(DATA / "train.csv")
    titles = [r["title"] for r in rows]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    groups = P.duplicate_groups(texts)
    train, test = P.holdout_split(labels, groups, fraction=0.2)
    it, iq = list(train), list(test)
    model = P.MessageClassifier().fit(
        [titles[i] for i in it], [texts[i] for i in it], [labels[i] for i in it]
    )
    qpred = [p.label for p in model.predict_many([titles[i] for i in iq], [texts[i] for i in iq])]
    ilab = [labels[i] for i in it]
    igroups = groups[it]
    excluded = lambda qi: np.nonzero(igroups == groups[iq[qi]])[0]  # noqa: E731
    relevant = lambda qi, j: ilab[j] == labels[iq[qi]]  # noqa: E731
    index = SimilarIndex().build([titles[i] for i in it], [texts[i] for i in it], ilab)
    t0 = time.perf_counter()
    ours = precision(
        lambda qi: index.scores(titles[iq[qi]], texts[iq[qi]], label=qpred[qi]),
        len(iq),
        relevant,
        excluded,
        k,
    )
    ms = (time.perf_counter() - t0) * 1000 / len(iq)
    plain = SimilarIndex(category_bonus=0).build([titles[i] for i in it], [texts[i] for i in it], ilab)
    out = {
        "queries": len(iq),
        "index": len(it),
        "random": precision(None, len(iq), relevant, excluded, k, np.random.default_rng(0), len(it)),
        "bigram_overlap": precision(
            overlap_rank([texts[i] for i in it], [texts[i] for i in iq], ilab, qpred),
            len(iq),
            relevant,
            excluded,
            k,
        ),
        "tfidf": precision(
            tfidf_rank([texts[i] for i in it], [texts[i] for i in iq]), len(iq), relevant, excluded, k
        ),
        "ours_no_bonus": precision(
            lambda qi: plain.scores(titles[iq[qi]], texts[iq[qi]]), len(iq), relevant, excluded, k
        ),
        "ours": ours,
        "ours_ms_per_query": round(ms, 2),
    }
    return out, model


def run_b(k, model):
    rows = P.read_rows(DATA / "replies.csv", require_label=False)
    rows = [r for r in rows if department(r["reply"])]
    titles = [r["title"] for r in rows]
    texts = [r["text"] for r in rows]
    depts = [department(r["reply"]) for r in rows]
    pred = [p.label for p in model.predict_many(titles, texts)]
    groups = P.duplicate_groups(texts)
    n = len(rows)
    excluded = lambda qi: np.nonzero(groups == groups[qi])[0]  # noqa: E731 - itself and its copies
    relevant = lambda qi, j: depts[j] == depts[qi]  # noqa: E731
    index = SimilarIndex().build(titles, texts, pred)
    plain = SimilarIndex(category_bonus=0).build(titles, texts, pred)
    return {
        "queries": n,
        "departments": len(set(depts)),
        "random": precision(None, n, relevant, excluded, k, np.random.default_rng(0), n),
        "bigram_overlap": precision(overlap_rank(texts, texts, pred, pred), n, relevant, excluded, k),
        "tfidf": precision(tfidf_rank(texts, texts), n, relevant, excluded, k),
        "ours_no_bonus": precision(lambda qi: plain.scores(titles[qi], texts[qi]), n, relevant, excluded, k),
        "ours": precision(
            lambda qi: index.scores(titles[qi], texts[qi], label=pred[qi]), n, relevant, excluded, k
        ),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    k = args.k
    a, model = run_a(k)
    print(f"A. train.csv, same category, {a['queries']} queries over {a['index']} closed messages:")
    for name in ("random", "bigram_overlap", "tfidf", "ours_no_bonus", "ours"):
        print(f"  {name:15} p@1 {a[name]['p@1']:.3f}  p@{k} {a[name][f'p@{k}']:.3f}")
    print(f"  ours: {a['ours_ms_per_query']} ms per query")
    # the department benchmark's categories come from a model of all of train.csv
    rows = P.read_rows(DATA / "train.csv")
    full = P.MessageClassifier().fit(
        [r["title"] for r in rows], [r["text"] for r in rows], [r["label"] for r in rows]
    )
    b = run_b(k, full)
    print(
        f"B. replies.csv, same answering department, {b['queries']} queries, {b['departments']} departments:"
    )
    for name in ("random", "bigram_overlap", "tfidf", "ours_no_bonus", "ours"):
        print(f"  {name:15} p@1 {b[name]['p@1']:.3f}  p@{k} {b[name][f'p@{k}']:.3f}")
    key = f"p@{k}"
    print(
        json.dumps(
            {
                "benchmark": "similar_cases",
                "k": k,
                "ratio": round(b["ours"][key] / b["tfidf"][key], 3),
                "ratio_vs_random": round(b["ours"][key] / b["random"][key], 3),
                "department": b,
                "category": a,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
