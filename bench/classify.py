"""Classifier latency (and quality) against the plain TF-IDF + LinearSVC baseline, same process.

Splits data/messages/train.csv 80/20 (stratified, duplicate-aware, as `yiwang classifier train`
does), fits the project's classifier and the published-style baseline (jieba words, TF-IDF,
LinearSVC in a scikit-learn Pipeline) on the 80 %, then predicts the held-out messages one at a
time, as an intake request does, with each. Reports ms per message (mean, p50, p95) for
simplified input and for the same messages converted to traditional characters, and the
macro-F1 of both models. `ratio` = baseline ms / classifier ms per single message (> 1: faster).
Wall-clock figures suffer when other work shares the cores; the cpu_ms figures (process CPU time
of the same loops) much less so.
The last line is one JSON object.

    .venv/bin/python bench/classify.py [--data CSV] [--messages 500]
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yiwang.classify import pipeline as P  # noqa: E402


def single_ms(predict, pairs):
    predict(*pairs[0])  # warm-up
    times = []
    cpu = time.process_time()
    for title, text in pairs:
        t = time.perf_counter()
        predict(title, text)
        times.append((time.perf_counter() - t) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(pairs)
    return {
        "mean": round(statistics.fmean(times), 3),
        "cpu": round(cpu_ms, 3),
        "p50": round(float(np.percentile(times, 50)), 3),
        "p95": round(float(np.percentile(times, 95)), 3),
    }


def baseline_model(titles, texts, labels):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    model = make_pipeline(
        TfidfVectorizer(tokenizer=P.words, token_pattern=None, lowercase=False, sublinear_tf=True),
        LinearSVC(),
    )
    model.fit([f"{t} {b}" for t, b in zip(titles, texts, strict=True)], labels)
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT / "data" / "messages" / "train.csv"))
    parser.add_argument("--messages", type=int, default=500, help="held-out messages timed one by one")
    parser.add_argument("--threshold", type=float, default=0.8, help="AUTO_DISPATCH_THRESHOLD to measure")
    args = parser.parse_args()
    from sklearn.metrics import f1_score

    rows = P.read_rows(args.data)
    titles = [r["title"] for r in rows]
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    train, test = P.holdout_split(labels, P.duplicate_groups(texts), fraction=0.2)
    pick = lambda seq, idx: [seq[i] for i in idx]  # noqa: E731

    t = time.perf_counter()
    model = P.MessageClassifier().fit(pick(titles, train), pick(texts, train), pick(labels, train))
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    base = baseline_model(pick(titles, train), pick(texts, train), pick(labels, train))
    base_fit_s = time.perf_counter() - t

    test_titles, test_texts, test_labels = pick(titles, test), pick(texts, test), pick(labels, test)
    ours_pred = [model.labels[i] for i in model.scores_many(test_titles, test_texts).argmax(axis=1)]
    base_pred = base.predict([f"{t} {b}" for t, b in zip(test_titles, test_texts, strict=True)])
    f1 = f1_score(test_labels, ours_pred, average="macro")
    base_f1 = f1_score(test_labels, base_pred, average="macro")

    # Automatic dispatch: the confidence temperature is fitted on half of the held-out messages and
    # the share routed without a person (confidence >= the threshold) measured on the other half.
    scores = model.scores_many(test_titles, test_texts)
    half_fit, half_measure = np.arange(0, len(test), 2), np.arange(1, len(test), 2)
    model.calibrate(scores[half_fit], [test_labels[i] for i in half_fit])
    probs = model.probabilities(scores[half_measure])
    confident = probs.max(axis=1) >= args.threshold
    right = np.array([model.labels[j] for j in probs.argmax(axis=1)]) == np.array(
        [test_labels[i] for i in half_measure]
    )
    auto_share = float(confident.mean())
    auto_accuracy = float(right[confident].mean()) if confident.any() else float("nan")

    import opencc

    s2t = opencc.OpenCC("s2t")
    pairs = list(zip(test_titles, test_texts, strict=True))[: args.messages]
    traditional = [(s2t.convert(a), s2t.convert(b)) for a, b in pairs[:100]]
    ours = single_ms(model.predict, pairs)
    ours_trad = single_ms(model.predict, traditional)
    baseline = single_ms(lambda a, b: base.predict([f"{a} {b}"]), pairs)
    ratio = round(baseline["mean"] / ours["mean"], 2)

    print(f"held-out {len(test)} messages: macro-F1 {f1:.4f} (baseline {base_f1:.4f})")
    print(f"fit on {len(train)}: {fit_s:.1f} s (baseline {base_fit_s:.1f} s)")
    print(
        f"confidence >= {args.threshold} (temperature {model.temperature}): {auto_share:.1%} of messages "
        f"would be routed automatically, {auto_accuracy:.1%} of them correctly"
    )
    print(
        f"single message, simplified: {ours['mean']} ms mean, {ours['p95']} ms p95 "
        f"(baseline {baseline['mean']} ms mean) -> x{ratio}; CPU {ours['cpu']} ms (baseline {baseline['cpu']} ms)"
    )
    print(f"single message, traditional input: {ours_trad['mean']} ms mean, {ours_trad['p95']} ms p95")
    print(
        json.dumps(
            {
                "benchmark": "classify",
                "messages": len(pairs),
                "ratio": ratio,
                "ms_per_message": ours["mean"],
                "cpu_ms_per_message": ours["cpu"],
                "baseline_cpu_ms_per_message": baseline["cpu"],
                "ms_p50": ours["p50"],
                "ms_p95": ours["p95"],
                "ms_per_message_traditional": ours_trad["mean"],
                "ms_p95_traditional": ours_trad["p95"],
                "baseline_ms_per_message": baseline["mean"],
                "macro_f1": round(f1, 4),
                "baseline_macro_f1": round(base_f1, 4),
                "fit_seconds": round(fit_s, 1),
                "baseline_fit_seconds": round(base_fit_s, 1),
                "auto_dispatch_threshold": args.threshold,
                "auto_dispatch_share": round(auto_share, 4),
                "auto_dispatch_accuracy": round(auto_accuracy, 4),
                "temperature": model.temperature,
                "n_train": len(train),
                "n_test": len(test),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
