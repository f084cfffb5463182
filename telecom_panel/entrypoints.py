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


def use_settings():
    # The .env never overrides the real environment; read here so that it may name the settings.
    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS)
