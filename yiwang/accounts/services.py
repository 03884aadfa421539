"""Account writes: API tokens. (Sign-in lockout: lockout.py.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from yiwang.core import clock

from .models import ApiToken, User

DEFAULT_TOKEN_DAYS = 90  # settings.API_TOKEN_DEFAULT_DAYS overrides


def default_token_days() -> int:
    return int(getattr(settings, "API_TOKEN_DEFAULT_DAYS", DEFAULT_TOKEN_DAYS))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str = "", days: int | None = None) -> str:
    """Create a token and return its plain key (shown once; only the hash is kept).

    Every token expires: `days` (default API_TOKEN_DEFAULT_DAYS), at most API_TOKEN_MAX_DAYS."""
    days = default_token_days() if days is None else days
    max_days = int(getattr(settings, "API_TOKEN_MAX_DAYS", 730))
    if not 1 <= days <= max_days:
        raise ValueError(f"a token lives between 1 and {max_days} days")
    key = "yw_" + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=days)
    ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[3:11], name=name, expires_at=expires)
    return key


def token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])


def token_user(key: str) -> User | None:
    """The active user a key belongs to, or None if unknown, expired or revoked."""
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    now = clock.now()
    if (
        token is None
        or token.revoked_at
        or (token.expires_at and token.expires_at < now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
