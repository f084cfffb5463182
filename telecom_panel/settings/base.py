"""Settings shared by every environment.

Everything that varies between machines comes from the environment through the one `env` below;
the defaults give the embedded set-up that `make run` serves: SQLite and in-process tasks.
"""

import ipaddress
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from telecom_panel import operator_tokens
from telecom_panel.entrypoints import env_file

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env is convenient for development; the real environment always wins.
environ.Env.read_env(env_file(), overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# Development-only fallback: production.py refuses to start without a real SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_prometheus",
    "phonenumber_field",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "lines",
    "directory",
    "notifications",
    "customer_api",
]

MIDDLEWARE = [
    # Request metrics for /metrics (django-prometheus): its "before" first, its "after" last.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # X-Forwarded-* only from the proxies of PUBLIC_DIRECTORY_TRUSTED_PROXIES (telecom_panel.client_address).
    "telecom_panel.client_address.ForwardedHeadersMiddleware",
    # One log line per request, its path masked (telecom_panel.logging).
    "telecom_panel.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # NUL and unencodable text refused for every request, before any view (telecom_panel.hostile).
    "telecom_panel.hostile.HostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Content-Security-Policy on every answer (django-csp; the policy is below).
    "csp.middleware.CSPMiddleware",
    # no-store for signed-in pages, Permissions-Policy everywhere (telecom_panel.headers).
    "telecom_panel.headers.PrivacyHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signed-in sessions end after SESSION_IDLE_TIMEOUT without a request (accounts.middleware).
    "accounts.middleware.IdleSessionMiddleware",
    # A second factor, once set up (or required), is asked before any other page (accounts.middleware).
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: answers a locked-out sign-in with its own page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "telecom_panel.urls"
WSGI_APPLICATION = "telecom_panel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lines.context_processors.missing_details",
            ],
            # The `date` filter with "1er" for the first of the month in French.
            "builtins": ["telecom_panel.dates"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/telecom_panel; SQLite file by default.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# The same back-end, counted for /metrics (django-prometheus: queries, errors, connections).
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Metrics -----------------------------------------------------------------------------------
# /metrics answers only to these networks (the Prometheus server's), 404 to anyone else.
METRICS_ALLOWED_NETWORKS = tuple(
    ipaddress.ip_network(text.strip())
    for text in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
)

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Scripts, styles and images only from our own static files: no inline script or style anywhere
# (the panel's and the admin's templates have none), so an injected <script> cannot run and an
# injected form cannot post elsewhere. QR codes are inline SVG, which needs nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Sign-in protection (accounts/) -----------------------------------------------------------
# django-axes counts failed sign-ins (panel and admin alike) per account and per client address;
# either one reaching the limit locks for the cool-off, or until support deletes the attempt in
# the admin ("Tentatives d'accès") or runs `manage.py axes_reset_username <identifiant>`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.int("SIGNIN_LOCKOUT_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Not django-axes' reset on success, which would forget the address's failures against other
# accounts too: accounts.signin.forget_own_failures forgets only this account's, from this address.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout_response"
# The client address behind our proxies, by the same rule as the public directory's limit.
AXES_CLIENT_IP_CALLABLE = "accounts.signin.client_ip"
AXES_USERNAME_CALLABLE = "accounts.signin.username_of"
# Its log lines name an account and a network only in part (accounts.signin.client_str).
AXES_CLIENT_STR_CALLABLE = "accounts.signin.client_str"
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "otp_token",
]
# A session ends after this many seconds without a request (idle), and at the latest after
# SESSION_MAX_AGE whatever the activity.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE", default=12 * 3600)
# Second factor (TOTP, django-otp): customers may turn it on; staff must when this is on
# (production default).
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Espace client téléphonie")
# Nobody, superusers included, reads a customer's TOTP secret in the admin (key, QR code, URL).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Password reset e-mails: printed on the console in development; EMAIL_URL (e.g.
# smtp+tls://user:password@smtp.example:587) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ne-pas-repondre@localhost")
# A mail server that accepts the connection and never answers must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works for an hour
# Reset e-mails per address asked for and hour (ten times that per client address): no flooding.
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "FR"
PHONENUMBER_DEFAULT_FORMAT = "E164"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# --- Celery ---------------------------------------------------------------------------------
# Without REDIS_URL tasks run in-process (nothing else has to run); with it Redis is the broker.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_RESULT_EXPIRES = 24 * 3600
# One task at a time per worker process: tasks are short, and a crash loses at most one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker process died (killed, out of memory) goes back to the queue at once.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis re-delivers a task that was taken but never acknowledged (its whole worker was killed)
# after this delay. It must exceed the longest task (CELERY_TASK_TIME_LIMIT), else a slow task is
# delivered twice (harmless: tasks are idempotent, but wasted); a minute more is enough.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}

# --- Logging: personal data is never logged in clear --------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "telecom_panel.logging.JsonFormatter"},
    },
    # Django's request and development-server loggers write paths (a service's number) and query
    # strings (what was searched): masked on the loggers themselves, before any handler.
    "filters": {"personal_data": {"()": "telecom_panel.logging.PersonalDataFilter"}},
    # LOG_FORMAT=json: one JSON object per line (time, level, logger, message, and the ids a line
    # carries: run_id, batch_id, method, path, status, duration_ms, user_id).
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": env.str("LOG_FORMAT", default="plain")}
    },
    "loggers": {
        "django.request": {"filters": ["personal_data"]},
        "django.server": {"filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Directory sync ---------------------------------------------------------------------------
# When the monthly directory update runs, as a crontab line in Europe/Paris time (minute hour
# day-of-month month day-of-week). Beat runs this entry, and the panel computes "next directory
# update" from the very same crontab object (directory.schedule).
DIRECTORY_SYNC_SCHEDULE = env.str("DIRECTORY_SYNC_SCHEDULE", default="0 3 1 * *")
# The monthly e-mail to customers whose active services still lack contact details (notifications).
DETAILS_REMINDER_SCHEDULE = env.str("DETAILS_REMINDER_SCHEDULE", default="0 10 15 * *")


def _crontab(line: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = line.split()
    return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                   day_of_week=day_of_week)  # fmt: skip


CELERY_BEAT_SCHEDULE = {
    # "Apply to other services" jobs that nothing advanced for ten minutes are queued again.
    "bulk-apply-sweep": {"task": "lines.bulk_apply_sweep", "schedule": 300},
    "directory-sync": {"task": "directory.sync_run", "schedule": _crontab(DIRECTORY_SYNC_SCHEDULE)},
    "details-reminders": {
        "task": "notifications.details_reminders",
        "schedule": _crontab(DETAILS_REMINDER_SCHEDULE),
    },
    # Customer e-mails whose message was lost (a broker down, a worker killed) are queued again.
    "customer-email-sweep": {"task": "notifications.sweep", "schedule": 600},
}
# The key the API applications' secrets are derived from (customer_api.services): a database dump
# without it gives no secret. Unset, it is derived from SECRET_KEY (rotating that would then change
# every application's secret).
API_SECRETS_KEY = env.str("API_SECRETS_KEY", default="")
# The panel's address as customers reach it, for the links in e-mails (no trailing slash).
PANEL_URL = env.str("PANEL_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")
# The API's base URL as customers' scripts are given it (the API page shows it): a request signed
# for it is accepted besides the URL as it reached the server (customer_api.signing).
PUBLIC_API_BASE = env.str("PUBLIC_API_BASE", default=f"{PANEL_URL}/1.0").rstrip("/")
# API limits per minute (customer_api.limits): per consumer key for signed calls (a script filling
# a few hundred numbers stays well within), per client address for the calls needing no key.
API_RATE_LIMIT_PER_KEY = env.int("API_RATE_LIMIT_PER_KEY", default=600)
API_RATE_LIMIT_PER_ADDRESS = env.int("API_RATE_LIMIT_PER_ADDRESS", default=60)
# Publishers every run sends to (directory.publishers.PUBLISHERS), in order.
DIRECTORY_PUBLISHERS = env.list("DIRECTORY_PUBLISHERS", default=["annuaire", "file"])
# Where the `file` publisher writes one export (JSON lines) and its manifest per run.
DIRECTORY_EXPORT_DIR = Path(env.str("DIRECTORY_EXPORT_DIR", default=str(BASE_DIR / "exports")))
# Records per batch: a batch is one short task, far below the broker's visibility timeout.
DIRECTORY_SYNC_BATCH_SIZE = env.int("DIRECTORY_SYNC_BATCH_SIZE", default=20000)
# A run or batch whose heartbeat (beaten every sixth of this, directory.heartbeat) stopped this
# long ago is presumed dead (process killed) and taken over by the next start or worker.
DIRECTORY_SYNC_STALE_AFTER = env.int("DIRECTORY_SYNC_STALE_AFTER", default=90)

# --- Public directory -------------------------------------------------------------------------
# /annuaire/ is open to anyone. directory/throttle.py counts each request, per window (seconds),
# against every bucket it belongs to: its IPv4 address, or its IPv6 /64 and /48; then all
# requests together.
PUBLIC_DIRECTORY_RATE_WINDOW = env.int("PUBLIC_DIRECTORY_RATE_WINDOW", default=60)
PUBLIC_DIRECTORY_RATE_LIMIT = env.int("PUBLIC_DIRECTORY_RATE_LIMIT", default=30)  # IPv4 address, IPv6 /64
PUBLIC_DIRECTORY_RATE_LIMIT_48 = env.int(
    "PUBLIC_DIRECTORY_RATE_LIMIT_48", default=4 * PUBLIC_DIRECTORY_RATE_LIMIT
)  # IPv6 /48, all its /64s together
PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT = env.int("PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT", default=600)
# A search shows at most this many listings, and says when there are more (never how many more).
PUBLIC_DIRECTORY_MAX_RESULTS = env.int("PUBLIC_DIRECTORY_MAX_RESULTS", default=50)


def _trusted_proxies(name: str) -> tuple:
    """The networks in `name`, comma-separated CIDR (`10.0.0.0/8, 2001:db8::/32`; a bare address
    is its /32 or /128); a process whose list does not parse refuses to start."""
    if "PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT" in env.ENVIRON:
        raise ImproperlyConfigured(
            "PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT is gone: list the proxies' networks in "
            "PUBLIC_DIRECTORY_TRUSTED_PROXIES instead (e.g. 10.0.0.0/8), and unset it."
        )
    networks = []
    for text in env.list(name, default=[]):
        if not text.strip():
            continue  # a trailing comma
        try:
            networks.append(ipaddress.ip_network(text.strip()))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: {text!r} is not a network in CIDR notation such as 10.0.0.0/8 or "
                f"2001:db8::/32 ({error})."
            ) from None
    return tuple(networks)


# X-Forwarded-For is read only when the TCP peer is inside one of these networks, our reverse
# proxies'. Empty: trust nobody, the client is the peer (see directory/throttle.py).
PUBLIC_DIRECTORY_TRUSTED_PROXIES = _trusted_proxies("PUBLIC_DIRECTORY_TRUSTED_PROXIES")
# The rate-limit counters must be shared by every web process: Redis when there is one.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Emergency location and portability --------------------------------------------------------
# Where export_emergency_locations writes its files.
EMERGENCY_EXPORT_DIR = Path(env.str("EMERGENCY_EXPORT_DIR", default=str(BASE_DIR / "exports" / "urgence")))
# Bearer tokens of the operator's systems (call routing, porting desk) for the /api/ endpoints,
# as `name:scopes:token` (telecom_panel.operator_tokens); the name is what the logs show.
OPERATOR_API_TOKENS = env.list("OPERATOR_API_TOKENS", default=[])
if not all(map(operator_tokens.parse, OPERATOR_API_TOKENS)):
    raise ImproperlyConfigured(
        "OPERATOR_API_TOKENS: every entry reads name:scopes:token, the scopes among "
        f"{' '.join(sorted(operator_tokens.SCOPES))} joined by '+' (e.g. routage:urgence:<token>)."
    )
# This operator's two-digit code in RIOs (assigned by ARCEP); 99 is not assigned to anyone.
RIO_OPERATOR_CODE = env.str("RIO_OPERATOR_CODE", default="99")
