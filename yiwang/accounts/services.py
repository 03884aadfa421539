"""Account writes: API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.utils import timezone

from yiwang.core import clock

from .models import ApiToken, User

DEFAULT_TOKEN_DAYS = 365


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_create(*, user: User, name: str = "", days: int | None = DEFAULT_TOKEN_DAYS) -> str:
    """Create a token and return its plain key (shown once; only the hash is kept)."""
    key = "yw_" + secrets.token_urlsafe(32)
    expires = clock.now() + dt.timedelta(days=days) if days else None
    ApiToken.objects.create(user=user, key_hash=_hash(key), prefix=key[3:11], name=name, expires_at=expires)
    return key


def token_revoke(*, token: ApiToken) -> None:
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
