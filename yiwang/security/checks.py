"""Deployment refusals of the security app: production needs real field keys and secure cookies."""

from django.conf import settings
from django.core.checks import Error, register

from .crypto import demo_field_key


@register(deploy=False)
def production_keys(app_configs, **kwargs):
    if settings.DEMO_MODE:
        return []
    errors = []
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        errors.append(Error("YIWANG_FIELD_KEYS is not set", hint="Generate one with "
                            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`",
                            id="yiwang.security.E001"))
    elif demo_field_key() in keys:
        errors.append(Error("YIWANG_FIELD_KEYS holds the demo key, which anyone can derive",
                            hint="Put a new key first, run `yiwang rotate_keys`, then drop the demo key.",
                            id="yiwang.security.E002"))
    return errors
