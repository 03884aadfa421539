"""Text normalisation: traditional Chinese to simplified (OpenCC), full-width to half-width, trimmed.

The original text is always kept as given; the normalised copy feeds search and the classifier.
"""

import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return _t2s().convert(text).strip()
