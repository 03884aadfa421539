"""English text uses ASCII punctuation (docs: the house rules): no full-width （），。：；！？、 nor
typographic quotes in any compiled English catalogue, and no such mark written straight into a
template, where an English reader would see it between translated words (templates take it from
{% p %} and |join_names instead, core/templatetags/punctuation.py)."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

FULL_WIDTH = re.compile(r"[（），。：；！？、【】《》「」“”‘’　]")
ROOT = Path(settings.BASE_DIR) / "yiwang"


def test_every_compiled_english_catalogue_uses_ascii_punctuation():
    # given every compiled English catalogue, the project's and each app's
    catalogues = sorted(ROOT.glob("**/locale/en/LC_MESSAGES/*.mo"))
    assert len(catalogues) >= 9, "compile the catalogues first: yiwang compilemessages_yiwang"
    # when each translation is read
    hits = [
        f"{path.relative_to(ROOT)}: {entry.msgid[:40]!r} -> {text!r}"
        for path in catalogues
        for entry in polib.mofile(str(path))
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if FULL_WIDTH.search(text)
    ]
    # then none has a full-width mark
    assert not hits, "\n".join(hits)


def _outside_translations(source: str) -> str:
    """A template with its translated strings, comments and Python literals left out."""
    for pattern in (
        r"\{% blocktranslate.*?\{% endblocktranslate %\}",
        r"\{% translate .*?%\}",
        r"\{#.*?#\}",
        r"\{% comment %\}.*?\{% endcomment %\}",
        r"_\(\".*?\"\)",
        r"\{% p \".\" %\}",
    ):
        source = re.sub(pattern, "", source, flags=re.S)
    return source


def test_templates_write_no_full_width_mark_outside_a_translation():
    hits = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        for number, line in enumerate(_outside_translations(path.read_text()).splitlines(), start=1):
            if FULL_WIDTH.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not hits, "\n".join(hits)


@pytest.mark.parametrize(
    "language,expected", [("zh-hans", "江海区（示意）：甲、乙"), ("en", "江海区 (示意): 甲, 乙")]
)
def test_punctuation_between_data_follows_the_page_language(language, expected):
    template = Template('{% load punctuation %}{{ a }}{% p "（" %}{{ b }}{% p "）" %}{% p "：" %}{{ names|join_names }}')
    with translation.override(language):
        assert template.render(Context({"a": "江海区", "b": "示意", "names": ["甲", "乙"]})) == expected
