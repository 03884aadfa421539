"""The notify tests render messages in English and traditional Chinese, so they need this app's
catalogues compiled (.mo files are build output, not kept in git). `make test` compiles the project's
catalogues; this compiles the app's own the same way (polib, no GNU gettext) when they are missing or
stale, at collection time, before any translation is loaded and cached."""

from pathlib import Path

import polib
from django.utils.translation import trans_real

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def _compile_catalogues() -> None:
    changed = False
    for po_path in LOCALE.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            changed = True
    if changed:  # forget catalogues loaded before these existed
        trans_real._translations = {}
        trans_real._default = None


_compile_catalogues()


# The people and cases of the cases app's tests, shared here.
from yiwang.cases.tests.conftest import drive, make_case, people  # noqa: E402, F401
