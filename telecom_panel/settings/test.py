"""Settings for the test suite: the base settings with fast hashing and tasks run in-process.

DATABASE_URL and REDIS_URL still come from the environment, so CI runs the same suite against
PostgreSQL and Redis; tests that need a real broker switch eager mode off themselves.
"""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Each test process keeps its own counters, cleared between tests; never a shared Redis.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Links in customer e-mails point here (never a real host).
PANEL_URL = "http://testserver.invalid"
PUBLIC_API_BASE = "http://testserver.invalid/1.0"
