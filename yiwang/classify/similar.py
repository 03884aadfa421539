"""Similar past messages, so a handler can start a reply from how a like case was answered.

Plain Python (no Django), like pipeline.py: `SimilarIndex` is built from (title, text, label) rows
and answers "the k most similar rows to this message". The method, measured in
bench/similar_cases.py (see docs/classifier.md):

- each message becomes two TF-IDF vectors over the same normalised text the classifier reads:
  character 1-2-grams of title + text (whitespace removed, so word-segmented copies look like the
  rest) and character 1-3-grams of the title; idf is fitted on the indexed rows themselves;
- similarity = 0.7 * cosine(body) + 0.3 * cosine(title);
- a row of the same first-level category as the query gets ``category_bonus`` (0.05) added: the
  reply of a case handled by the same kind of unit is the more useful start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .pipeline import _doc

BODY_WEIGHT = 0.7
CATEGORY_BONUS = 0.05


@dataclass(frozen=True)
class Hit:
    index: int  # position in the rows the index was built from
    score: float
    same_category: bool


class SimilarIndex:
    def __init__(self, *, body_weight: float = BODY_WEIGHT, category_bonus: float = CATEGORY_BONUS):
        self.body_weight = body_weight
        self.category_bonus = category_bonus
        self.labels: np.ndarray = np.array([], dtype=object)
        self._body = self._title = None
        self._Xb: sp.csr_matrix | None = None
        self._Xt: sp.csr_matrix | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def build(
        self, titles: Sequence[str], texts: Sequence[str], labels: Sequence[str | None] | None = None
    ) -> SimilarIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [_doc(t, b) for t, b in zip(titles, texts, strict=True)]
        self.labels = np.array(list(labels) if labels is not None else [None] * len(docs), dtype=object)
        if not docs:
            return self
        common = {"analyzer": "char", "sublinear_tf": True, "lowercase": False, "dtype": np.float32}
        self._body = TfidfVectorizer(ngram_range=(1, 2), **common)
        self._title = TfidfVectorizer(ngram_range=(1, 3), **common)
        self._Xb = self._body.fit_transform([d.both for d in docs]).tocsr()
        self._Xt = self._title.fit_transform([d.title or d.both[:30] for d in docs]).tocsr()
        return self

    def scores(self, title: str, text: str, *, label: str | None = None) -> np.ndarray:
        """Similarity of the message to every indexed row (higher is more similar)."""
        if not len(self):
            return np.empty(0)
        d = _doc(title, text)
        qb = self._body.transform([d.both])
        qt = self._title.transform([d.title or d.both[:30]])
        s = self.body_weight * np.asarray((self._Xb @ qb.T).todense()).ravel()
        s += (1 - self.body_weight) * np.asarray((self._Xt @ qt.T).todense()).ravel()
        if label is not None and self.category_bonus:
            s += self.category_bonus * (self.labels == label)
        return s

    def query(
        self,
        title: str,
        text: str,
        *,
        k: int = 5,
        label: str | None = None,
        exclude: Sequence[int] = (),
    ) -> list[Hit]:
        s = self.scores(title, text, label=label)
        if not s.size:
            return []
        if len(exclude):
            s[np.asarray(exclude, dtype=np.int64)] = -np.inf
        k = min(k, int(np.isfinite(s).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [
            Hit(index=int(i), score=float(s[i]), same_category=label is not None and self.labels[i] == label)
            for i in top
        ]
