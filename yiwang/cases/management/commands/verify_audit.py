import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yiwang.cases.audit import sequence_all, verify_chain


class Command(BaseCommand):
    help = (
        "Check the whole audit trail: each case's hash chain, the global chain and the signed batch heads "
        "(and, with --anchor, that the chain still contains a head exported earlier by `yiwang audit-head`). "
        "Exit 0 if intact, 1 naming the first broken event."
    )

    def add_arguments(self, parser):
        parser.add_argument("--anchor", type=Path, help="a head exported earlier by `yiwang audit-head` (JSON file)")
        parser.add_argument(
            "--sequence", action="store_true", help="first give every waiting event its global place (the sequencer)"
        )

    def handle(self, *args, anchor=None, sequence=False, **options):
        exported = None
        if anchor:
            try:
                exported = json.loads(anchor.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the anchor {anchor}: {exc}") from None
            if not isinstance(exported, dict) or "tree_size" not in exported:
                raise CommandError(f"{anchor} is not a head exported by `yiwang audit-head`")
        if sequence:
            sequence_all()
        report = verify_chain(anchor=exported)
        if report.ok:
            waiting = f", {report.unsequenced} of them waiting for the sequencer" if report.unsequenced else ""
            anchored = f"; it contains the exported head of size {exported['tree_size']}" if exported else ""
            self.stdout.write(f"audit trail intact: {report.checked} events checked{waiting}{anchored}")
            return
        where = (
            f"event #{report.broken_event} (global sequence)"
            if isinstance(report.broken_event, int)
            else f"event {report.broken_event or '(a case)'}"
        )
        raise CommandError(
            f"audit trail BROKEN at {where}: {report.problem}; {report.checked} events before it are intact",
            returncode=1,
        )
