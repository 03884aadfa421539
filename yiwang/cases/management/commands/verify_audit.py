from django.core.management.base import BaseCommand, CommandError

from yiwang.cases.audit import verify_chain


class Command(BaseCommand):
    help = "Check the whole audit trail (per-case and global hash chains). Exit 0 if intact, 1 naming the first broken event."

    def handle(self, *args, **options):
        report = verify_chain()
        if report.ok:
            self.stdout.write(f"audit trail intact: {report.checked} events checked")
            return
        raise CommandError(
            f"audit trail BROKEN at event #{report.broken_event} (global sequence): {report.problem}; "
            f"{report.checked} events before it are intact",
            returncode=1,
        )
