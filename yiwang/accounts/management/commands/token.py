from django.core.management.base import BaseCommand, CommandError

from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    help = "API tokens: `yiwang token create --user NAME [--days N]` prints a new token; `revoke --prefix P`; `list`."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument("--user")
        parser.add_argument("--days", type=int, default=365, help="validity in days (0: never expires)")
        parser.add_argument("--name", default="")
        parser.add_argument("--prefix")

    def handle(self, *args, action, user=None, days=365, name="", prefix=None, **options):
        if action == "create":
            if not user:
                raise CommandError("--user is required")
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"no user named {user!r}")
            self.stdout.write(token_create(user=account, name=name, days=days or None))
        elif action == "revoke":
            tokens = ApiToken.objects.filter(prefix=prefix or "", revoked_at__isnull=True)
            if not tokens:
                raise CommandError(f"no active token with prefix {prefix!r}")
            for t in tokens:
                token_revoke(token=t)
            self.stdout.write(f"revoked {len(tokens)} token(s)")
        else:
            for t in ApiToken.objects.select_related("user").order_by("created_at"):
                state = (
                    "revoked"
                    if t.revoked_at
                    else f"expires {t.expires_at:%Y-%m-%d}"
                    if t.expires_at
                    else "no expiry"
                )
                self.stdout.write(f"{t.prefix}…  {t.user.username:<12} {state}  {t.name}")
