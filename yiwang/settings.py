"""Yiwang settings. Everything that differs between machines comes from the environment.

DATABASE_URL   default sqlite:///var/yiwang.sqlite3 (WAL on); postgres://... in production
YIWANG_MODE    production (the default) | demo — production refuses to serve with demo passwords or
               without SECRET_KEY and YIWANG_FIELD_KEYS;
               demo (make demo, make test, CI) must be asked for, so a forgotten variable fails closed
SECRET_KEY     required in production
ALLOWED_HOSTS  comma-separated
MAP_TILE_URL   optional tile URL template for the map pages; empty = plain background
CELERY_BROKER_URL  e.g. redis://127.0.0.1:6379/0 (production mode runs tasks on workers)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YIWANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATA_DIR = BASE_DIR / "data"

# Unset means production: a server whose environment lost the variable must not come up with demo
# keys, demo passwords and public demo media. Demo is asked for (Makefile, .ci/run, conftest.py, bench/).
MODE = os.environ.get("YIWANG_MODE", "production")
if MODE not in ("demo", "production"):
    raise ImproperlyConfigured("YIWANG_MODE must be 'demo' or 'production'")
DEMO_MODE = MODE == "demo"

# Production without SECRET_KEY or YIWANG_FIELD_KEYS: both stay empty, so nothing signs or encrypts
# with a key anyone can guess (Django refuses an empty SECRET_KEY wherever one is used), and the
# platform refuses to serve (security.checks.refuse_to_serve: `yiwang serve` and wsgi.py). Commands
# that need no secret (makemigrations --check, lint) still run.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEMO_MODE:
    SECRET_KEY = "demo-only-insecure-key-not-for-production"
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "yiwang.web",  # before the admin: its admin/base_site.html themes the admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # its Swagger UI from our own static files (no CDN, and the CSP allows no other origin)
    "yiwang.core",
    "yiwang.accounts",
    "yiwang.geo",
    "yiwang.routing",
    "yiwang.workdays",
    "yiwang.classify.apps.ClassifyConfig",
    "yiwang.cases",
    "yiwang.notify",
    "yiwang.intake",
    "yiwang.open311",
    "yiwang.analytics",
    "yiwang.registers",
    "yiwang.programmes",
    "yiwang.platform",  # the top app: demo, serve, periodic jobs, retention, the home page
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yiwang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yiwang.core.context_processors.platform",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yiwang.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("TEST_DATABASE_NAME", "test_yiwang")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yiwang" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Case photos go through a checked view (web/views/media.py). Empty: Django sends the file. In
# production behind nginx: "x-accel-redirect" (the view answers with X-Accel-Redirect to
# MEDIA_SENDFILE_PREFIX, an `internal` location aliased to MEDIA_ROOT); Apache/lighttpd: "x-sendfile".
MEDIA_SENDFILE = os.environ.get("MEDIA_SENDFILE", "")
if MEDIA_SENDFILE not in ("", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured("MEDIA_SENDFILE must be empty, 'x-accel-redirect' or 'x-sendfile'")
MEDIA_SENDFILE_PREFIX = os.environ.get("MEDIA_SENDFILE_PREFIX", "/protected-media/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Cookies, HSTS and the other security headers: the "# Security" block at the end.

# Map pages: an optional tile layer; by default outlines are drawn on a plain background.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")

# The demo: how many real messages `yiwang demo` plays through the closed loop (0: none).
DEMO_HISTORY_CASES = int(os.environ.get("YIWANG_DEMO_CASES", "1500"))
DEMO_REGISTER_SCALE = float(os.environ.get("YIWANG_DEMO_REGISTER_SCALE", "0.01"))  # of the real register sizes
DEMO_TRAIN_CLASSIFIER = os.environ.get("YIWANG_DEMO_CLASSIFIER", "1") == "1"  # train one at demo load (about a minute)

# Cases: classifier confidence above which a case is accepted and dispatched without a human.
AUTO_DISPATCH_THRESHOLD = float(os.environ.get("AUTO_DISPATCH_THRESHOLD", "0.8"))
# After a unit replies, send the case for on-site verification by its grid's worker.
VERIFY_ON_SITE = os.environ.get("VERIFY_ON_SITE", "1") == "1"
# An unsatisfied, unsolved rating sends the case back to the unit automatically at most this often.
MAX_AUTO_REOPEN = int(os.environ.get("MAX_AUTO_REOPEN", "1"))

# How often (seconds) a process checks whether another process changed the areas.
GEO_INDEX_CHECK_SECONDS = float(os.environ.get("GEO_INDEX_CHECK_SECONDS", "2"))
# Categories, units, the responsibility list and deadline policies are cached per process and
# re-checked against their shared revision at most this often (core.revisions).
ROUTING_CHECK_SECONDS = float(os.environ.get("ROUTING_CHECK_SECONDS", "2"))

# The audit trail's sequencer (cases.audit): "deferred" gives events their global order afterwards,
# in batches (a Celery task in production, a thread of `yiwang serve` in demo mode), so a move locks
# only its own case; "inline" sequences inside the move's transaction (one writer at a time: only for
# tests that read global_seq right after a move).
AUDIT_SEQUENCING = os.environ.get("AUDIT_SEQUENCING", "deferred")
if AUDIT_SEQUENCING not in ("deferred", "inline"):
    raise ImproperlyConfigured("AUDIT_SEQUENCING must be deferred or inline")
AUDIT_SEQUENCER_INTERVAL_SECONDS = float(os.environ.get("AUDIT_SEQUENCER_INTERVAL_SECONDS", "0.5"))
AUDIT_SEQUENCER_BATCH = int(os.environ.get("AUDIT_SEQUENCER_BATCH", "5000"))
# Base64 of a 32-byte Ed25519 seed that signs the batch heads; empty: derived from SECRET_KEY.
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Front-end libraries (Leaflet, htmx, ECharts) are installed from the npm registry at build time
# (`make install`: npm ci, then `yiwang vendor_assets` copies the files we serve to frontend/vendor).
STATICFILES_DIRS = [BASE_DIR / "yiwang" / "static", ("vendor", BASE_DIR / "frontend" / "vendor")]
(BASE_DIR / "frontend" / "vendor").mkdir(parents=True, exist_ok=True)

# ----------------------------------------------------------------------------------------------------
# Periodic jobs, Celery and notifications (yiwang.cases.tasks, yiwang.notify, yiwang/celery.py).
# See docs/operations.md, "Workers". Every value below can be set in the environment.
# ----------------------------------------------------------------------------------------------------
# The deadline sweep and the notification retry run every SWEEP_INTERVAL_SECONDS: in demo mode in a
# thread of `yiwang serve` (0 turns the thread off), in production on Celery beat.
SWEEP_INTERVAL_SECONDS = float(os.environ.get("SWEEP_INTERVAL_SECONDS", "60"))

# Celery (production mode): `celery -A yiwang.celery worker` and one `celery -A yiwang.celery beat`.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "yiwang")
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Both jobs are idempotent: a task whose worker died is run again rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
_periodic_seconds = SWEEP_INTERVAL_SECONDS or 60
COCKPIT_REFRESH_SECONDS = int(os.environ.get("COCKPIT_REFRESH_SECONDS", "900"))
CELERY_BEAT_SCHEDULE = {
    # A tick still queued when the next one is due is dropped (expires), so a backlog never piles up.
    "sweep-deadlines": {
        "task": "yiwang.cases.tasks.sweep_deadlines_task",
        "schedule": _periodic_seconds,
        "options": {"expires": _periodic_seconds},
    },
    "deliver-notifications": {
        "task": "yiwang.notify.tasks.deliver_pending_task",
        "schedule": _periodic_seconds,
        "options": {"expires": _periodic_seconds},
    },
    # The audit trail's sequencer: events wait for their global place at most about this long.
    "sequence-audit-events": {
        "task": "yiwang.cases.tasks.sequence_events_task",
        "schedule": AUDIT_SEQUENCER_INTERVAL_SECONDS,
        "options": {"expires": max(AUDIT_SEQUENCER_INTERVAL_SECONDS * 4, 2.0)},
    },
    # The cockpit's rollups, hot topics and early warnings (yiwang/analytics).
    "cockpit-refresh": {
        "task": "yiwang.analytics.tasks.cockpit_refresh_task",
        "schedule": COCKPIT_REFRESH_SECONDS,
        "options": {"expires": COCKPIT_REFRESH_SECONDS},
    },
}

# Notification channels: name -> dotted path of a yiwang.notify.channels.Channel. A channel left out
# is not written to. The SMS default logs to the console; a real gateway subclasses SmsGateway.
NOTIFY_CHANNELS = {
    "sms": os.environ.get("NOTIFY_SMS_GATEWAY", "yiwang.notify.channels.ConsoleSmsGateway"),
    "email": "yiwang.notify.channels.EmailChannel",
    "webhook": "yiwang.notify.channels.WebhookChannel",
}
# After a move commits: deliver its messages in the same process (inline), hand them to a worker
# (celery), or leave them to the next periodic run (periodic).
NOTIFY_DELIVERY_ON_COMMIT = os.environ.get("NOTIFY_DELIVERY_ON_COMMIT", "inline" if DEMO_MODE else "celery")
if NOTIFY_DELIVERY_ON_COMMIT not in ("inline", "celery", "periodic"):
    raise ImproperlyConfigured("NOTIFY_DELIVERY_ON_COMMIT must be inline, celery or periodic")
# Retries: attempt n+1 waits base * 2^(n-1) seconds (capped); after NOTIFY_MAX_ATTEMPTS the row is failed.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "8"))
NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "60"))
NOTIFY_RETRY_MAX_SECONDS = int(os.environ.get("NOTIFY_RETRY_MAX_SECONDS", str(6 * 3600)))
NOTIFY_LEASE_SECONDS = int(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))  # a claimed row's send time
NOTIFY_BATCH_SIZE = int(os.environ.get("NOTIFY_BATCH_SIZE", "500"))
# Webhooks: every move of the closed loop POSTed as JSON to each URL, signed with
# X-Yiwang-Signature: sha256=HMAC(secret, "<X-Yiwang-Timestamp>.<body>").
NOTIFY_WEBHOOK_SECRET = os.environ.get("NOTIFY_WEBHOOK_SECRET", "")
NOTIFY_WEBHOOKS = [
    {
        "url": url.strip(),
        "secret": NOTIFY_WEBHOOK_SECRET,
        "events": [e for e in os.environ.get("NOTIFY_WEBHOOK_EVENTS", "*").split(",") if e],
    }
    for url in os.environ.get("NOTIFY_WEBHOOK_URLS", "").split(",")
    if url.strip()
]
if NOTIFY_WEBHOOKS and not NOTIFY_WEBHOOK_SECRET and not DEMO_MODE:
    raise ImproperlyConfigured("NOTIFY_WEBHOOK_SECRET must be set when NOTIFY_WEBHOOK_URLS is")
NOTIFY_WEBHOOK_TIMEOUT = float(os.environ.get("NOTIFY_WEBHOOK_TIMEOUT", "5"))
NOTIFY_WEBHOOK_PROXY = os.environ.get("NOTIFY_WEBHOOK_PROXY", "")  # webhooks go direct unless set
# Email (staff escalations): Django's email backend. The demo prints emails to the console.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEMO_MODE else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "yiwang@localhost")
NOTIFY_EMAIL_FROM = os.environ.get("NOTIFY_EMAIL_FROM", DEFAULT_FROM_EMAIL)

# Intake ------------------------------------------------------------------------------------------
# (yiwang/intake: validation, attachments, duplicates, bulk import, abuse limits; docs/intake.md)
# Image attachments: JPEG/PNG/WebP by content, stored under MEDIA_ROOT without EXIF.
INTAKE_ATTACHMENT_MAX_BYTES = int(os.environ.get("INTAKE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
INTAKE_ATTACHMENT_MAX_COUNT = int(os.environ.get("INTAKE_ATTACHMENT_MAX_COUNT", "6"))
INTAKE_ATTACHMENT_MAX_PIXELS = int(os.environ.get("INTAKE_ATTACHMENT_MAX_PIXELS", "50000000"))
# Duplicates (重复件): candidates received within this many days before or after, scored 0..1.
INTAKE_DUPLICATE_WINDOW_DAYS = int(os.environ.get("INTAKE_DUPLICATE_WINDOW_DAYS", "30"))
INTAKE_DUPLICATE_MIN_SCORE = float(os.environ.get("INTAKE_DUPLICATE_MIN_SCORE", "0.61"))  # bench/duplicates.py
INTAKE_DUPLICATE_POOL = int(os.environ.get("INTAKE_DUPLICATE_POOL", "2000"))
# Names people write for areas besides their official ones (placement): name -> area code.
PLACEMENT_EXTRA_NAMES = {
    "Jiangmen": "440700",
    "Pengjiang": "440703",
    "Jianghai": "440704",
    "Xinhui": "440705",
    "Taishan": "440781",
    "Kaiping": "440783",
    "Heshan": "440784",
    "Enping": "440785",
}
# Request size: JSON bodies and form fields (Django's own limit), and whole requests by path,
# checked from Content-Length before anything is read (413 with the error shape).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = INTAKE_ATTACHMENT_MAX_COUNT
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads go to a temporary file, not memory
INTAKE_MAX_REQUEST_BYTES = [  # (path prefix, bytes); the first prefix that matches applies
    ("/api/v1/attachments", INTAKE_ATTACHMENT_MAX_BYTES + 64 * 1024),
    ("/api/", 1024 * 1024),
    ("/open311/", INTAKE_ATTACHMENT_MAX_BYTES + 64 * 1024),
]
# Rate limits on the endpoints the public reaches: (name, methods, path regex, requests, seconds, key).
# key "client": the bearer token / session / api_key if one is sent, else the address; "ip": the address.
# Counters live in the cache: set CACHE_URL (redis://…) so that every process shares them.
INTAKE_RATE_LIMITS = [
    ("create", ("POST",), r"^/api/v1/(cases|attachments)$", 30, 60, "client"),
    ("create-ip", ("POST",), r"^/api/v1/(cases|attachments)$", 300, 60, "ip"),
    ("open311-write", ("POST",), r"^/open311/v2/requests", 60, 60, "client"),
    ("public-read", ("GET",), r"^/open311/v2/", 300, 60, "ip"),
    # A flood limit, not the lockout (accounts/lockout.py): an office behind one proxy signs in here too.
    ("login", ("POST",), r"^/accounts/login/", 200, 300, "ip"),
    # Each reset request mails someone: a few an hour per address, so the form cannot flood a mailbox.
    ("password-reset", ("POST",), r"^/accounts/password_reset/$", 5, 3600, "ip"),
    # The portal's forms for visitors file and text like the API: the API's limits. By address too,
    # since a visitor without an account can send any session cookie.
    ("portal-submit", ("POST",), r"^/portal/submit/$", 30, 60, "client"),
    ("portal-submit-ip", ("POST",), r"^/portal/submit/$", 30, 60, "ip"),
    ("portal-code-ip", ("POST",), r"^/portal/follow/", 30, 60, "ip"),
    # The nearby reports are read at each pick of the place (a few a minute); "same problem" is a
    # click per report. By address: a visitor can drop the session cookie.
    ("portal-nearby-ip", ("GET",), r"^/portal/nearby/$", 120, 60, "ip"),
    ("portal-same-ip", ("POST",), r"^/portal/nearby/[^/]+/same/$", 30, 60, "ip"),
]
INTAKE_TRUSTED_PROXIES = int(os.environ.get("INTAKE_TRUSTED_PROXIES", "0"))  # X-Forwarded-For hops to trust
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}
    }
# Right after LocaleMiddleware, so that refusals speak the caller's language.
_at = MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_at], "yiwang.intake.middleware.AbuseLimitMiddleware", *MIDDLEWARE[_at:]]

# Security ----------------------------------------------------------------------------------------
# (yiwang/security and yiwang/accounts: headers, lockout, tokens, personal data; docs/security.md)
INSTALLED_APPS = [*INSTALLED_APPS, "yiwang.security"]
# Right after Django's SecurityMiddleware: every answer, even a refusal further down, carries the CSP.
_at = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_at], "yiwang.security.middleware.SecurityHeadersMiddleware", *MIDDLEWARE[_at:]]
# NUL characters refused (400) once the language is known and the size limits have run.
_at = max(MIDDLEWARE.index(m) for m in MIDDLEWARE if m.endswith(("LocaleMiddleware", "AbuseLimitMiddleware"))) + 1
MIDDLEWARE = [*MIDDLEWARE[:_at], "yiwang.security.middleware.NulByteMiddleware", *MIDDLEWARE[_at:]]

# Passwords: Argon2id first (PASSWORD_HASHERS above); older hashes are upgraded at the next sign-in.
# Sign-in lockout per username and per address (yiwang/accounts/lockout.py); admins unlock early.
AUTHENTICATION_BACKENDS = ["yiwang.accounts.backends.LockoutModelBackend"]
# Sign-in throttling (accounts/lockout.py, docs/security.md): failures of one username at one address
# wait, doubling, up to LOGIN_THROTTLE_MAX_SECONDS; of one username from anywhere only up to a short
# LOGIN_USERNAME_MAX_SECONDS, so a stranger slows a user down but cannot lock them out.
LOGIN_THROTTLE_FREE_FAILURES = int(os.environ.get("LOGIN_THROTTLE_FREE_FAILURES", "3"))
LOGIN_THROTTLE_BASE_SECONDS = int(os.environ.get("LOGIN_THROTTLE_BASE_SECONDS", "2"))
LOGIN_THROTTLE_MAX_SECONDS = int(os.environ.get("LOGIN_THROTTLE_MAX_SECONDS", "900"))
LOGIN_USERNAME_FREE_FAILURES = int(os.environ.get("LOGIN_USERNAME_FREE_FAILURES", "10"))
LOGIN_USERNAME_MAX_SECONDS = int(os.environ.get("LOGIN_USERNAME_MAX_SECONDS", "30"))
LOGIN_LOCKOUT_WINDOW_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_WINDOW_SECONDS", "900"))
# API tokens expire: `yiwang token create --days N` (default below, at most the maximum).
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "730"))

# Cookies and transport. Secure cookies whenever the site is not the demo or DEBUG (both run on plain
# http://127.0.0.1); HSTS in production (browsers remember it: raise it only once HTTPS works).
_SECURE_SITE = not DEMO_MODE and not DEBUG
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _SECURE_SITE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))  # one working day
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if _SECURE_SITE else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "0") == "1"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if os.environ.get("SECURE_PROXY_SSL_HEADER"):  # e.g. "HTTP_X_FORWARDED_PROTO,https" behind a TLS proxy
    SECURE_PROXY_SSL_HEADER = tuple(os.environ["SECURE_PROXY_SSL_HEADER"].split(",", 1))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (yiwang/security/middleware.py): our own origin only, no inline script or
# style; images also from data: URIs and the tile server when MAP_TILE_URL is set.
from yiwang.security.middleware import tile_origin as _tile_origin  # noqa: E402

SECURITY_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", *([_tile_origin(MAP_TILE_URL)] if _tile_origin(MAP_TILE_URL) else [])],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
SECURITY_CSP_REPORT_ONLY = os.environ.get("SECURITY_CSP_REPORT_ONLY", "0") == "1"
SECURITY_PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"

# Personal data at rest (PIPL): Fernet keys, newest first (`yiwang rotate_keys` after adding one).
# Demo and test mode without keys use a fixed key anyone can derive (the checks refuse it in production).
from yiwang.security.crypto import demo_field_key as _demo_field_key  # noqa: E402
from yiwang.security.crypto import parse_keys as _parse_keys  # noqa: E402

FIELD_ENCRYPTION_KEYS = _parse_keys(os.environ.get("YIWANG_FIELD_KEYS", ""))
if not FIELD_ENCRYPTION_KEYS and DEMO_MODE:
    FIELD_ENCRYPTION_KEYS = [_demo_field_key()]
# Roles that may see a personal value unmasked, each time with a reason, logged (PersonalDataReveal).
PERSONAL_DATA_REVEAL_ROLES = ("operator", "dispatcher", "handler", "unit_leader", "gridworker", "admin")
# A persistent database connection is checked before a request reuses it, so a database restart costs
# the requests in flight at that moment, not the first request of every thread afterwards.
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
