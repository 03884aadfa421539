"""The case classifier as plain Python: normalise, featurise, fit, predict, evaluate.

No Django here (no ORM, no settings), so the same code runs in a service, a command, a benchmark
or a notebook. The method and the measurements behind it are in docs/classifier.md.

Model: two TF-IDF blocks (sublinear tf, l2-normalised each) side by side, one linear classifier
(ridge regression on +-1 targets per label, class-balanced weights; a linear SVM is the other
option, ``ModelConfig(estimator="svm")``) over both:

- characters 1-2 of title + text with all whitespace removed;
- characters 1-3 of the title alone (the title is the densest evidence, so it gets its own block).

A third block, jieba words 1-2, is available (``ModelConfig(blocks=("char", "title", "word"))``)
but off by default: in cross-validation it changed macro-F1 by -0.001 to +0.004 while making a
prediction three to four times slower (jieba is pure Python), which breaks the 2 ms budget.

Every text is first normalised: NFKC (full-width digits and letters), lower case, Excel's
``_x000D_`` debris removed, and traditional characters converted to simplified with OpenCC t2s.

Messages that survive only as a word-segmented copy with stop words removed ("segmented_only"
rows) are kept as training data: removing the spaces makes their character n-grams look like the
other rows' (measured better than dropping them or keeping the spaces). With the word block on,
jieba runs on each space-separated chunk, which leaves an already segmented word whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import os
import pickle
import re
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

REQUIRED_COLUMNS = ("title", "text", "label")
CSV_COLUMNS = ("id", "title", "text", "label")
TOP_K = 3

# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


class _TraditionalToSimplified:
    """OpenCC t2s, exactly, at a fraction of opencc-python-reimplemented's cost.

    That library is pure Python and slow (about 1 ms for a 400-character message, 5 ms for a
    traditional one). What it does for t2s: split the text at separators (which it leaves alone);
    in each piece, replace the longest TSPhrases key found (the leftmost of equal length), then do
    the same in the parts left and right of it, considering only keys no longer than that match;
    finally map every character outside a replaced phrase through TSCharacters (whose keys are
    all single characters). This class does the same, but finds phrase occurrences with
    ``str.find`` and maps characters with ``str.translate``; when no phrase occurs at all (almost
    always), the whole text is one ``translate``. The tests compare it with OpenCC on the training
    messages and on their traditional versions.
    """

    def __init__(self) -> None:
        import opencc

        directory = Path(opencc.__file__).parent / "dictionary"
        self.separators = opencc.OpenCC("t2s").split_chars_re
        self.table = {
            ord(key): value
            for key, value in self._entries(directory / "TSCharacters.txt")
            if key != value and not self.separators.fullmatch(key)
        }
        self.phrases = dict(self._entries(directory / "TSPhrases.txt"))
        self.phrases_by_first: dict[str, list[str]] = {}
        for key in self.phrases:
            self.phrases_by_first.setdefault(key[0], []).append(key)

    @staticmethod
    def _entries(path: Path) -> Iterable[tuple[str, str]]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, _, values = line.strip().partition("\t")
                if key:
                    yield key, values.split(" ")[0]  # OpenCC takes the first candidate

    def _occurrences(self, text: str) -> list[tuple[int, int, str]]:
        found = []
        by_first = self.phrases_by_first
        for c in set(text).intersection(by_first):
            for key in by_first[c]:
                i = text.find(key)
                while i != -1:
                    found.append((i, len(key), key))
                    i = text.find(key, i + 1)
        return found

    def __call__(self, text: str) -> str:
        if not self._occurrences(text):
            return text.translate(self.table)
        parts = self.separators.split(text)
        # Even items are text between separators, odd items the separators (kept as they are).
        return "".join(self._piece(p) if i % 2 == 0 else p for i, p in enumerate(parts))

    def _piece(self, piece: str) -> str:
        occurrences = self._occurrences(piece)
        if not occurrences:
            return piece.translate(self.table)
        out: list[str] = []

        def solve(a: int, b: int, hint: int | None) -> None:
            best = None
            for i, n, key in occurrences:
                if a <= i and i + n <= b and (hint is None or n <= hint):
                    if best is None or n > best[1] or (n == best[1] and i < best[0]):
                        best = (i, n, key)
            if best is None:
                out.append(piece[a:b].translate(self.table))
                return
            i, n, key = best
            if i > a:
                solve(a, i, n)
            out.append(self.phrases[key])
            if i + n < b:
                solve(i + n, b, n)

        solve(0, len(piece), None)
        return "".join(out)


_t2s: _TraditionalToSimplified | None = None


def to_simplified(text: str) -> str:
    global _t2s
    if _t2s is None:
        _t2s = _TraditionalToSimplified()
    return _t2s(text)


_WHITESPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The one text form every feature is computed from (whitespace kept; blocks decide)."""
    text = (text or "").replace("_x000D_", " ")
    text = unicodedata.normalize("NFKC", text).lower()
    return to_simplified(text)


def _strip(text: str) -> str:
    return _WHITESPACE.sub("", text)


_jieba_ready = False
# While training, the same messages are normalised and cut several times (duplicate groups,
# held-out fit, held-out scoring, final fit); within `memoised()` each is done once.
_memo: dict[tuple[str, str], Any] | None = None


@contextmanager
def memoised(enabled: bool = True):
    """Within the block, normalised texts and jieba cuts are remembered (enabled=False: never)."""
    global _memo
    outer = _memo
    _memo = ({} if outer is None else outer) if enabled else None
    try:
        yield
    finally:
        _memo = outer


def words(text: str) -> list[str]:
    """jieba words of a normalised text; each whitespace-separated chunk is cut on its own."""
    global _jieba_ready
    if _memo is not None and ("w", text) in _memo:
        return _memo[("w", text)]
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba_ready = True
    out: list[str] = []
    for chunk in text.split():
        out.extend(w for w in jieba.lcut(chunk) if w.strip())
    if _memo is not None:
        _memo[("w", text)] = out
    return out


@dataclass(frozen=True)
class _Doc:
    """The three views of one message the feature blocks read."""

    both: str  # title + "。" + text, whitespace removed (character block)
    title: str  # title, whitespace removed (title block)
    tokens: str  # title + text, normalised, whitespace kept (word block tokenises it)


def _doc(title: str, text: str) -> _Doc:
    if _memo is not None and ("d", title + "\x1f" + text) in _memo:
        return _memo[("d", title + "\x1f" + text)]
    t, b = normalise(title), normalise(text)
    doc = _Doc(both=_strip(t + "。" + b), title=_strip(t), tokens=t + " " + b)
    if _memo is not None:
        _memo[("d", title + "\x1f" + text)] = doc
    return doc


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    candidates: list[tuple[str, float]]  # the TOP_K labels with their probabilities, best first

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "candidates": [{"label": lab, "confidence": round(p, 4)} for lab, p in self.candidates],
        }


@dataclass
class ModelConfig:
    char_ngrams: tuple[int, int] = (1, 2)
    title_ngrams: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] = (1, 2)
    blocks: tuple[str, ...] = ("char", "title")  # any of "char", "title", "word"
    min_df: int = 2
    C: float = 1.0
    class_weight: str | None = "balanced"
    # "svm": LinearSVC(C); "ridge": RidgeClassifier(alpha) (least squares on +-1 targets). Both are
    # linear, so both use the same fast single-message path.
    estimator: str = "ridge"
    alpha: float = 0.5


# Softmax temperature used when no held-out split was available to fit one (measured in CV).
DEFAULT_TEMPERATURE = 0.25


def _word_tokenizer(doc: str) -> list[str]:
    return words(doc)


def char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Character n-grams, lo <= n <= hi, in sklearn's order, for a text without whitespace."""
    grams: list[str] = list(text) if lo == 1 else []
    for n in range(max(lo, 2), hi + 1):
        grams.extend([text[i : i + n] for i in range(len(text) - n + 1)])
    return grams


@dataclass
class _Block:
    """One fitted TF-IDF block, kept in a form that featurises a single message quickly."""

    name: str
    vectorizer: Any  # sklearn TfidfVectorizer (stop_words_ dropped)
    offset: int = 0
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: np.ndarray | None = None

    def source(self, doc: _Doc) -> str:
        return getattr(doc, {"char": "both", "title": "title", "word": "tokens"}[self.name])

    def finish(self, offset: int) -> None:
        self.offset = offset
        self.vocabulary = self.vectorizer.vocabulary_
        self.idf = self.vectorizer.idf_.astype(np.float64)
        # sklearn keeps every pruned term in stop_words_; it is only for introspection and
        # would double the artifact.
        self.vectorizer.stop_words_ = None

    def row(self, doc: _Doc) -> tuple[np.ndarray, np.ndarray]:
        """The block's tf-idf entries for one message, identical to vectorizer.transform."""
        source = self.source(doc)
        if self.name == "word":
            grams = self._analyzer()(source)
        else:  # the same n-grams as sklearn's char analyzer (sources hold no whitespace), built in C
            grams = char_ngrams(source, *self.vectorizer.ngram_range)
        # Map every n-gram to its column first and count columns with numpy: counting strings
        # in a Counter and looping over it in Python cost three times as much.
        ids = np.fromiter(map(self.vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
        ids = ids[ids >= 0]
        if not ids.size:
            return ids, np.empty(0)
        idx, counts = np.unique(ids, return_counts=True)
        val = (1.0 + np.log(counts)) * self.idf[idx]
        val /= np.sqrt(val @ val)
        return idx + self.offset, val

    def _analyzer(self):
        analyzer = self.__dict__.get("_analyzer_fn")
        if analyzer is None:
            analyzer = self.vectorizer.build_analyzer()
            self.__dict__["_analyzer_fn"] = analyzer
        return analyzer

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_analyzer_fn", None)
        return state


class MessageClassifier:
    """Fit on (title, text, label) rows; predict a label, its confidence and the top 3."""

    def __init__(self, config: ModelConfig | None = None):
        self.config = config or ModelConfig()
        self.labels: list[str] = []
        self.blocks: list[_Block] = []
        self.coef_t: np.ndarray | None = None  # (n_features, n_labels), float32: row gathers are cheap
        self.intercept: np.ndarray | None = None
        self.temperature: float = DEFAULT_TEMPERATURE
        self.n_features = 0

    # -- fitting --------------------------------------------------------------------------------

    def _new_blocks(self) -> list[_Block]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        c = self.config
        common = {"sublinear_tf": True, "lowercase": False, "dtype": np.float32}
        blocks = []
        if "char" in c.blocks:
            blocks.append(
                _Block(
                    "char",
                    TfidfVectorizer(analyzer="char", ngram_range=c.char_ngrams, min_df=c.min_df, **common),
                )
            )
        if "title" in c.blocks:
            blocks.append(
                _Block(
                    "title", TfidfVectorizer(analyzer="char", ngram_range=c.title_ngrams, min_df=1, **common)
                )
            )
        if "word" in c.blocks:
            blocks.append(
                _Block(
                    "word",
                    TfidfVectorizer(
                        tokenizer=_word_tokenizer,
                        token_pattern=None,
                        ngram_range=c.word_ngrams,
                        min_df=c.min_df,
                        **common,
                    ),
                )
            )
        return blocks

    def _estimator(self):
        c = self.config
        # Artifacts pickled before `estimator` existed were SVMs (only fitting reads this).
        if getattr(c, "estimator", "svm") == "ridge":
            from sklearn.linear_model import RidgeClassifier

            return RidgeClassifier(alpha=c.alpha, class_weight=c.class_weight, solver="sparse_cg")
        from sklearn.svm import LinearSVC

        return LinearSVC(C=c.C, class_weight=c.class_weight)

    def fit(self, titles: Sequence[str], texts: Sequence[str], labels: Sequence[str]) -> MessageClassifier:
        if not (len(titles) == len(texts) == len(labels)):
            raise ValueError("titles, texts and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("training needs at least two labels")
        docs = [_doc(t, b) for t, b in zip(titles, texts, strict=True)]
        self.blocks = self._new_blocks()
        mats, offset = [], 0
        for block in self.blocks:
            mats.append(block.vectorizer.fit_transform([block.source(d) for d in docs]))
            block.finish(offset)
            offset += mats[-1].shape[1]
        self.n_features = offset
        X = sp.hstack(mats, format="csr")
        est = self._estimator()
        est.fit(X, np.asarray(labels))
        self.labels = [str(lab) for lab in est.classes_]
        coef = est.coef_ if len(self.labels) > 2 else np.vstack([-est.coef_[0], est.coef_[0]])
        intercept = (
            est.intercept_ if len(self.labels) > 2 else np.array([-est.intercept_[0], est.intercept_[0]])
        )
        self.coef_t = np.ascontiguousarray(coef.T, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        return self

    # -- scoring --------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if self.coef_t is None:
            raise RuntimeError("the classifier is not fitted")

    def scores(self, title: str, text: str) -> np.ndarray:
        """Decision scores of one message, one per label (the single-message fast path)."""
        self._check_fitted()
        doc = _doc(title, text)
        total = self.intercept.copy()
        for block in self.blocks:
            idx, val = block.row(doc)
            if len(idx):
                total += val @ self.coef_t[idx]
        return total

    def scores_many(self, titles: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """Decision scores of many messages through sklearn's sparse transforms (the batch path)."""
        self._check_fitted()
        docs = [_doc(t, b) for t, b in zip(titles, texts, strict=True)]
        X = sp.hstack(
            [b.vectorizer.transform([b.source(d) for d in docs]) for b in self.blocks], format="csr"
        )
        return np.asarray(X @ self.coef_t, dtype=np.float64) + self.intercept

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        return softmax(scores, self.temperature)

    def _prediction(self, probs: np.ndarray) -> Prediction:
        order = np.argsort(-probs)[:TOP_K]
        candidates = [(self.labels[i], float(probs[i])) for i in order]
        return Prediction(label=candidates[0][0], confidence=candidates[0][1], candidates=candidates)

    def predict(self, title: str, text: str) -> Prediction:
        return self._prediction(self.probabilities(self.scores(title, text)))

    def predict_many(self, titles: Sequence[str], texts: Sequence[str]) -> list[Prediction]:
        probs = self.probabilities(self.scores_many(titles, texts))
        return [self._prediction(p) for p in probs]

    def calibrate(self, scores: np.ndarray, labels: Sequence[str]) -> float:
        """Fit the softmax temperature on held-out scores (minimum log loss) and keep it."""
        index = {lab: i for i, lab in enumerate(self.labels)}
        known = [i for i, lab in enumerate(labels) if lab in index]
        if known:
            y = np.array([index[labels[i]] for i in known])
            self.temperature = fit_temperature(scores[known], y)
        return self.temperature

    # -- persistence ----------------------------------------------------------------------------

    def dumps(self) -> bytes:
        return zlib.compress(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL), level=6)

    @staticmethod
    def loads(blob: bytes) -> MessageClassifier:
        # Only ever called on artifacts this project wrote itself (the database or VAR_DIR).
        model = pickle.loads(zlib.decompress(blob))  # noqa: S301
        if not isinstance(model, MessageClassifier):
            raise TypeError("not a MessageClassifier artifact")
        return model


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = np.asarray(scores, dtype=np.float64) / max(temperature, 1e-6)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log loss of softmax(scores / T) (golden-section on log T)."""

    def nll(log_t: float) -> float:
        p = softmax(scores, math.exp(log_t))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))

    lo, hi = math.log(0.01), math.log(10.0)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return round(math.exp((lo + hi) / 2), 4)


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


class DataError(ValueError):
    """The CSV cannot be used (missing file, missing columns, no rows)."""


def read_rows(
    source: str | os.PathLike | io.TextIOBase, *, require_label: bool = True
) -> list[dict[str, str]]:
    """Rows of a messages CSV (columns id,title,text,label as in data/messages/train.csv)."""
    if isinstance(source, io.TextIOBase):
        return _rows(source, str(getattr(source, "name", "<stream>")), require_label)
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return _rows(fh, str(path), require_label)


def _rows(fh: Iterable[str], name: str, require_label: bool) -> list[dict[str, str]]:
    reader = csv.DictReader(fh)
    columns = [c.strip() for c in (reader.fieldnames or [])]
    needed = REQUIRED_COLUMNS if require_label else ("title", "text")
    missing = [c for c in needed if c not in columns]
    if missing:
        raise DataError(
            f"{name}: missing column(s) {', '.join(missing)}; expected {','.join(CSV_COLUMNS)} "
            f"(found {','.join(columns) or 'none'})"
        )
    rows = []
    for i, raw in enumerate(reader, start=1):
        row = {(k or "").strip(): (v or "") for k, v in raw.items()}
        row.setdefault("id", f"row{i}")
        if require_label and not row["label"].strip():
            raise DataError(f"{name}: row {i} ({row['id']}) has no label")
        row["label"] = row.get("label", "").strip()
        rows.append(row)
    if not rows:
        raise DataError(f"{name}: no rows")
    return rows


def data_fingerprint(rows: Iterable[dict[str, str]]) -> str:
    """sha256 of the rows' (id, title, text, label), independent of row order."""
    lines = sorted(
        "\x1f".join((r.get("id", ""), r.get("title", ""), r.get("text", ""), r.get("label", "")))
        for r in rows
    )
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


_NON_WORD = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    """A message's identity for exact-duplicate checks: normalised, whitespace and punctuation gone."""
    return _NON_WORD.sub("", normalise(text))


def duplicate_groups(texts: Sequence[str], *, near: float | None = 0.5) -> np.ndarray:
    """A group id per message, so that copies of one message never sit on both sides of a split.

    Exact duplicates: the same text once whitespace and punctuation are removed. Near duplicates
    (``near`` not None): cosine similarity of character-bigram tf-idf at least ``near`` — this
    joins the word-segmented copy of a message to its original, and re-posts with small edits.
    Groups are the connected components of both relations.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    parent = np.arange(n)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    keys = [_NON_WORD.sub("", normalise(t)) for t in texts]
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k in first:
            union(i, first[k])
        else:
            first[k] = i
    if near is not None and n > 1:
        X = TfidfVectorizer(
            analyzer="char", ngram_range=(2, 2), sublinear_tf=True, dtype=np.float32
        ).fit_transform(keys)
        step = 1000
        for start in range(0, n, step):
            block = (X[start : start + step] @ X.T).toarray()
            ii, jj = np.nonzero(block >= near)
            for i, j in zip(ii + start, jj, strict=True):
                if i != j:
                    union(int(i), int(j))
    return np.array([find(i) for i in range(n)])


def holdout_split(
    labels: Sequence[str], groups: np.ndarray, *, fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices: stratified by label, no duplicate group on both sides."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_splits = max(2, round(1 / fraction))
    y = np.asarray(labels)
    counts = Counter(labels)
    if min(counts.values()) < n_splits:
        # Too few rows of some label to stratify; still keep the groups apart.
        from sklearn.model_selection import GroupKFold

        train, test = next(GroupKFold(n_splits).split(y, y, groups))
        return train, test
    train, test = next(StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed).split(y, y, groups))
    return train, test


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def evaluate(
    model: MessageClassifier,
    titles: Sequence[str],
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    timing_sample: int = 300,
) -> dict[str, Any]:
    """accuracy, macro_f1, per_label {precision, recall, f1, support}, confusion, ms_per_message.

    Predictions come from the batch path; ms_per_message times the single-message path (what an
    intake request pays: normalise, featurise, score, top 3) on up to ``timing_sample`` messages,
    one at a time, after one warm-up call; cpu_ms_per_message is the CPU time of the same loop,
    which a machine busy with other work inflates less. Labels the model has never seen count
    as errors.
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    n = len(labels)
    if n == 0:
        raise DataError("nothing to evaluate")
    scores = model.scores_many(titles, texts)
    predicted = [model.labels[i] for i in scores.argmax(axis=1)]
    truth = [str(lab) for lab in labels]
    label_set = sorted(set(truth) | set(model.labels))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=label_set, zero_division=0)
    present = [i for i, lab in enumerate(label_set) if s[i] > 0]
    per_label = {
        lab: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
        }
        for i, lab in enumerate(label_set)
        if s[i] > 0
    }
    cm = confusion_matrix(truth, predicted, labels=label_set)

    k = min(timing_sample, n)
    with memoised(False):  # time the real work, never a remembered result
        model.predict(titles[0], texts[0])  # warm-up: jieba's dictionary, analyzers
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(k):
            model.predict(titles[i], texts[i])
        ms = (time.perf_counter() - t0) * 1000 / k
        cpu_ms = (time.process_time() - c0) * 1000 / k

    return {
        "n": n,
        "accuracy": round(float(np.mean(np.array(truth) == np.array(predicted))), 4),
        # Macro over the labels present in this data (a label absent here has no F1 to average).
        "macro_f1": round(float(np.mean([f[i] for i in present])), 4),
        "per_label": per_label,
        "confusion": {"labels": label_set, "matrix": cm.tolist()},
        "ms_per_message": round(ms, 3),  # wall clock, what a request waits
        "cpu_ms_per_message": round(cpu_ms, 3),  # CPU time: the same on a busy machine
        "timed_messages": k,
    }
