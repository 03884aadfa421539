"""`yiwang deliver_notifications`: attempt every due outbox row once now, and print the counts."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Deliver the due notifications (pending, or failed earlier and due for a retry)."

    def handle(self, *args, **options):
        from yiwang.notify.delivery import deliver_pending

        counts = deliver_pending()
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
