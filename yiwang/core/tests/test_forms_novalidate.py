"""Forms leave checking to the server, which answers in the page's language: every form of every
template carries `novalidate`, so the browser never shows its own bubble ("Please fill out this
field") in the browser's language over an English or Chinese page."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "yiwang"


def test_every_form_carries_novalidate():
    missing = [
        f"{path.relative_to(ROOT)}: {tag[:80]}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        for tag in re.findall(r"<form\b[^>]*>", path.read_text())
        if "novalidate" not in tag
    ]
    assert not missing, "\n".join(missing)
