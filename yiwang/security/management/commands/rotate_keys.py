from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from yiwang.security.fields import encrypted_fields
from yiwang.security.services import fields_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt personal-data columns with the newest key of YIWANG_FIELD_KEYS (the first). "
        "Give models as app_label.Model (default: every model with an encrypted field). "
        "Run after putting a new key first; drop the old key only after this finishes."
    )

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="e.g. cases.Case accounts.User")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, models, batch_size, **options):
        if models:
            try:
                targets = [apps.get_model(label) for label in models]
            except (LookupError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            plain = [m._meta.label for m in targets if not encrypted_fields(m)]
            if plain:
                raise CommandError(f"no encrypted field on: {', '.join(plain)}")
        else:
            targets = [m for m in apps.get_models() if encrypted_fields(m)]
        for model in targets:
            result = fields_rotate(model=model, batch_size=batch_size)
            self.stdout.write(
                f"{result.model}: {result.values} value(s) in {result.rows} row(s) re-encrypted "
                f"({', '.join(result.fields)})"
            )
