from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.services import default_token_days, token_create, token_revoke


class Command(BaseCommand):
    help = (
        "API tokens: `yiwang token create --user NAME [--days N] [--name PURPOSE]` prints a new token "
        "(it expires after N days, default API_TOKEN_DEFAULT_DAYS); `revoke --prefix P` or "
        "`revoke --user NAME` (all of that user's); `list [--user NAME]`."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke", "list"])
        parser.add_argument("--user")
        parser.add_argument("--days", type=int, default=None, help="validity in days")
        parser.add_argument("--name", default="")
        parser.add_argument("--prefix")

    def handle(self, *args, action, user=None, days=None, name="", prefix=None, **options):
        account = None
        if user:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"no user named {user!r}")
        if action == "create":
            if account is None:
                raise CommandError("--user is required")
            try:
                self.stdout.write(token_create(user=account, name=name, days=days or default_token_days()))
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        elif action == "revoke":
            if not prefix and account is None:
                raise CommandError("--prefix or --user is required")
            tokens = ApiToken.objects.filter(revoked_at__isnull=True)
            if prefix:
                tokens = tokens.filter(prefix=prefix)
            if account is not None:
                tokens = tokens.filter(user=account)
            tokens = list(tokens)
            if not tokens:
                raise CommandError("no active token matches")
            for t in tokens:
                token_revoke(token=t)
            self.stdout.write(f"revoked {len(tokens)} token(s)")
        else:
            rows = ApiToken.objects.select_related("user").order_by("created_at")
            if account is not None:
                rows = rows.filter(user=account)
            for t in rows:
                state = (
                    "revoked"
                    if t.revoked_at
                    else f"expires {localtime(t.expires_at):%Y-%m-%d}"
                    if t.expires_at
                    else "no expiry"
                )
                self.stdout.write(f"{t.prefix}…  {t.user.username:<12} {state}  {t.name}")
