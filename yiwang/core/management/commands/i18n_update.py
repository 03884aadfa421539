"""Refresh the translation catalogues (a developer's tool; needs GNU gettext's xgettext).

Simplified Chinese is the source language (msgids). Traditional Chinese is derived from it with
OpenCC (s2hk: Hong Kong standard characters, the script most of Jiangmen's 港澳 and overseas
requesters read) unless a translator has already edited the entry. English is written by hand in
yiwang/locale/en/LC_MESSAGES/django.po; this command reports what is still untranslated.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from opencc import OpenCC

AUTO_FLAG = "opencc"  # marks entries we generated, so a human edit (flag removed) is never overwritten


class Command(BaseCommand):
    help = "makemessages for zh_Hant and en, fill zh_Hant with OpenCC, report untranslated English."

    def add_arguments(self, parser):
        parser.add_argument("--no-extract", action="store_true", help="skip makemessages; only fill/report")

    def handle(self, *args, no_extract=False, **options):
        locale = Path(settings.LOCALE_PATHS[0])
        if not no_extract:
            call_command("makemessages", locale=["zh_Hant", "en"], ignore_patterns=[
                ".venv/*", "frontend/*", "var/*", "test-artifacts/*", "bench/*"], no_obsolete=True, verbosity=0)
            call_command("makemessages", locale=["zh_Hant", "en"], domain="djangojs", ignore_patterns=[
                ".venv/*", "frontend/*", "var/*", "test-artifacts/*", "bench/*", "*.min.js"], no_obsolete=True,
                verbosity=0)
        s2hk = OpenCC("s2hk")
        # The project's catalogue and each app's own (an app with a locale/ folder keeps its strings there).
        roots = [locale] + sorted(p.parent for p in Path(settings.BASE_DIR, "yiwang").glob("*/locale/zh_Hant"))
        for root in roots:
            self._fill(root, s2hk, label="" if root == locale else f"{root.parent.name}: ")
        call_command("compilemessages_yiwang", verbosity=0)

    def _fill(self, locale: Path, s2hk: OpenCC, *, label: str) -> None:
        for domain in ("django", "djangojs"):
            path = locale / "zh_Hant" / "LC_MESSAGES" / f"{domain}.po"
            if path.exists():
                po = polib.pofile(str(path))
                filled = 0
                for entry in po:
                    if entry.msgstr and AUTO_FLAG not in entry.flags and "fuzzy" not in entry.flags:
                        continue  # a human translation: keep it (a fuzzy guess is not one)
                    if entry.msgid_plural:
                        entry.msgstr_plural = {0: s2hk.convert(entry.msgid), 1: s2hk.convert(entry.msgid_plural)}
                    else:
                        entry.msgstr = s2hk.convert(entry.msgid)
                    if AUTO_FLAG not in entry.flags:
                        entry.flags.append(AUTO_FLAG)
                    if "fuzzy" in entry.flags:
                        entry.flags.remove("fuzzy")
                    filled += 1
                po.save()
                self.stdout.write(f"{label}zh_Hant/{domain}: {filled} entries from OpenCC")
            en = locale / "en" / "LC_MESSAGES" / f"{domain}.po"
            if en.exists():
                po = polib.pofile(str(en))
                missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
                self.stdout.write(f"{label}en/{domain}: {len(missing)} untranslated of {len(po)}")
                for msgid in missing:
                    self.stdout.write(f"  {msgid}")
