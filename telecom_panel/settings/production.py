"""Production settings: no default secret, no debug, secure cookies."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, env

# Everything a production process needs, reported at once: a host that lacks some gets their
# names, not one error per attempt (README, "Deploying").
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL")
_missing = [name for name in REQUIRED if not env.str(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        f"Production settings need {', '.join(_missing)} in the environment (README, Deploying)."
    )

DEBUG = env.bool("DEBUG", default=False)
# Production runs on PostgreSQL and Redis: without them, no start at all (never a silent SQLite
# file or in-process tasks on a server).
if not DATABASES["default"]["ENGINE"].endswith(".postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database in production (postgres://...).")
# Static files from the web process itself (WhiteNoise, right after the security middleware),
# with hashed names that browsers cache for ever and compressed copies made by collectstatic.
_after = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [*MIDDLEWARE[:_after], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[_after:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# No default: a production process without SECRET_KEY fails at start-up, loudly; and a key that
# can be guessed (a placeholder pasted from the README, "changeme") signs sessions and reset links
# that anyone can forge: the same bar as Django's own deployment check, enforced.
SECRET_KEY = env.str("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY must be at least 50 characters with at least 5 different ones "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Password reset links go out by e-mail: no default, or they would be written to the console logs.
EMAIL_CONFIG = env.email_url("EMAIL_URL")
if EMAIL_CONFIG["EMAIL_BACKEND"].rsplit(".", 2)[-2] in {"console", "filebased", "locmem"}:
    raise ImproperlyConfigured("EMAIL_URL must name a mail server (smtp:// or smtp+tls://) in production.")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL")
# The links in customer e-mails: the panel as customers reach it, over HTTPS.
PANEL_URL = env.str("PANEL_URL", default=f"https://{ALLOWED_HOSTS[0]}").rstrip("/")
PUBLIC_API_BASE = env.str("PUBLIC_API_BASE", default=f"{PANEL_URL}/1.0").rstrip("/")

# Staff change other people's data: a second factor is mandatory for them.
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", default=True)

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HTTPS as the proxy says: the header reaches Django only from the proxies of
# PUBLIC_DIRECTORY_TRUSTED_PROXIES (telecom_panel.client_address.ForwardedHeadersMiddleware).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe, and Prometheus scrapes, over plain HTTP, straight to the process.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# A database that does not answer fails a request (and /readyz) in seconds, not at the web timeout.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
    "DATABASE_CONNECT_TIMEOUT", default=5
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)  # a year
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Submitting the domain to browsers' HSTS preload list is the operator's decision, not ours.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
