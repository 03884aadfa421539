"""Keys for personal data at rest: Fernet (AES-128-CBC + HMAC-SHA256) under a MultiFernet.

FIELD_ENCRYPTION_KEYS (from YIWANG_FIELD_KEYS="new,old,…") lists url-safe base64 Fernet keys, newest
first: new values are encrypted with the first, any of them decrypts. Rotation: put a new key in front,
run `yiwang rotate_keys`, then drop the old key. Demo and test mode, with no keys set, derive one fixed
key whose name says it is not a secret (DEMO_FIELD_KEY_LABEL); production refuses to start without keys.

Stored values carry a prefix (ENCRYPTED_PREFIX) so a column can hold legacy plaintext while it is
being migrated: a value without the prefix is read as it is and encrypted by the next write or by
`yiwang rotate_keys`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ENCRYPTED_PREFIX = "enc1:"
DEMO_FIELD_KEY_LABEL = "yiwang-DEMO-ONLY-field-key-NOT-A-SECRET"


def demo_field_key() -> str:
    """The fixed key of demo and test mode: anyone can derive it, so it protects nothing."""
    return base64.urlsafe_b64encode(hashlib.sha256(DEMO_FIELD_KEY_LABEL.encode()).digest()).decode()


def parse_keys(raw: str) -> list[str]:
    """Comma-separated Fernet keys, newest first. Raises ImproperlyConfigured naming a bad key's position."""
    keys = [k.strip() for k in (raw or "").split(",") if k.strip()]
    for i, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"YIWANG_FIELD_KEYS: key {i} is not a Fernet key (32 url-safe base64 bytes): {exc}"
            ) from None
    return keys


@functools.lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set YIWANG_FIELD_KEYS")
    return keys


def encrypt(plain: str) -> str:
    if plain == "":
        return ""  # empty stays empty, so `exclude(field="")` keeps working on encrypted columns
    return ENCRYPTED_PREFIX + _multifernet(_keys()).encrypt(plain.encode()).decode()


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(ENCRYPTED_PREFIX)


def decrypt(stored: str) -> str:
    """The plain value. A value without the prefix is legacy plaintext; a token no key opens raises."""
    if not is_encrypted(stored):
        return stored
    try:
        return _multifernet(_keys()).decrypt(stored[len(ENCRYPTED_PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "a personal-data value cannot be decrypted with any key in YIWANG_FIELD_KEYS "
            "(was a key dropped before `yiwang rotate_keys` ran?)"
        ) from None


def needs_rotation(stored: str | None) -> bool:
    """True for legacy plaintext and for tokens not made with the newest key."""
    if not stored:
        return False
    if not is_encrypted(stored):
        return True
    newest = Fernet(_keys()[0])
    try:
        newest.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode())
    except InvalidToken:
        return True
    return False


def rotate(stored: str) -> str:
    """Re-encrypt one stored value with the newest key (plaintext is encrypted)."""
    if not stored:
        return stored
    if not is_encrypted(stored):
        return encrypt(stored)
    token = _multifernet(_keys()).rotate(stored[len(ENCRYPTED_PREFIX) :].encode())
    return ENCRYPTED_PREFIX + token.decode()


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed digest for equality lookups on an encrypted column (e.g. a caller's phone).
    Keyed by SECRET_KEY and a purpose, so digests of one purpose never match another's."""
    if not value:
        return ""
    key = (f"yiwang:{purpose}:" + settings.SECRET_KEY).encode()
    return hmac.new(key, value.strip().encode(), hashlib.sha256).hexdigest()
