"""Deployment refusals of the security app: production needs its own secrets and real field keys.

They are deployment checks (tag PRODUCTION), run before serving: `yiwang serve` and wsgi.py call
refuse_to_serve(), and `yiwang check --deploy` lists them. Commands that need no secret
(makemigrations --check, lint) run without them."""

from django.conf import settings
from django.core.checks import Error, register, run_checks
from django.core.exceptions import ImproperlyConfigured

from .crypto import demo_field_key

PRODUCTION = "yiwang_production"


@register(PRODUCTION, deploy=True)
def production_secret_key(app_configs, **kwargs):
    if settings.DEMO_MODE:
        return []
    try:
        settings.SECRET_KEY  # noqa: B018 - Django refuses an empty one when it is read
    except ImproperlyConfigured:
        return [Error("SECRET_KEY must be set in production mode", hint="A long random string, kept out "
                      "of the repository (docs/operations.md).", id="yiwang.security.E003")]
    return []


@register(PRODUCTION, deploy=True)
def production_keys(app_configs, **kwargs):
    if settings.DEMO_MODE:
        return []
    errors = []
    keys = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []) or [])
    if not keys:
        errors.append(Error("YIWANG_FIELD_KEYS must be set in production mode (docs/security.md)",
                            hint="Generate one with "
                            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`",
                            id="yiwang.security.E001"))
    elif demo_field_key() in keys:
        errors.append(Error("YIWANG_FIELD_KEYS holds the demo key, which anyone can derive",
                            hint="Put a new key first, run `yiwang rotate_keys`, then drop the demo key.",
                            id="yiwang.security.E002"))
    return errors


def refuse_to_serve() -> None:
    """Raise ImproperlyConfigured, naming every refusal, if production lacks its secrets."""
    if settings.DEMO_MODE:
        return
    errors = [m for m in run_checks(tags=[PRODUCTION], include_deployment_checks=True) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{e.msg} ({e.id})" for e in errors))
