"""Which settings a process gets when nobody said: production.

`manage.py`, WSGI and Celery all start here. A host where DJANGO_SETTINGS_MODULE is not set is
treated as production (no debug, and no start at all without SECRET_KEY and ALLOWED_HOSTS), so
that a command or worker started by hand on a server never runs with DEBUG on and the
development secret. Development names its settings: `make run` does, and a `.env` beside
`manage.py` may (`DJANGO_SETTINGS_MODULE=telecom_panel.settings.base`).
"""

import os
from pathlib import Path

import environ

PRODUCTION_SETTINGS = "telecom_panel.settings.production"


def env_file() -> Path:
    """The .env beside manage.py, or the file ENV_FILE names (tests point it elsewhere)."""
    return Path(os.environ.get("ENV_FILE") or Path(__file__).resolve().parent.parent / ".env")


def use_settings():
    # The .env never overrides the real environment; read here so that it may name the settings.
    environ.Env.read_env(env_file(), overwrite=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS)
