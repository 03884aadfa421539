import json

from django.core.management.base import BaseCommand

from yiwang.cases.audit import head_export, sequence_all, sequencing_lag


class Command(BaseCommand):
    help = (
        "Print the latest signed batch head of the audit trail as JSON, to be kept outside the platform "
        "(a notary, another agency's log). `yiwang verify-audit --anchor FILE` later proves the chain still "
        "ends there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sequence", action="store_true", help="first give every waiting event its global place"
        )
        parser.add_argument("--lag", action="store_true", help="also say how many events wait for the sequencer")

    def handle(self, *args, sequence=False, lag=False, **options):
        if sequence:
            sequence_all()
        head = head_export()
        if lag:
            head["waiting"] = sequencing_lag()
        self.stdout.write(json.dumps(head, ensure_ascii=False, indent=2))
