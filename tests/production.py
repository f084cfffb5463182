"""The environment a production process needs (the README's "Deploying" table), for the tests that
start one. Nothing is connected to at start-up, so the addresses need not answer."""

import os

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.production",
    "SECRET_KEY": "tests-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "panel.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/telecom_panel",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "EMAIL_URL": "smtp://127.0.0.1:25",
    "DEFAULT_FROM_EMAIL": "panel@panel.example",
}


def environment(*, without=(), **overrides) -> dict:
    """This process's environment with the production variables only as given here: PRODUCTION,
    less `without`, plus `overrides`; and no .env (a developer's would name other settings)."""
    kept = {key: value for key, value in os.environ.items() if key not in PRODUCTION and key != "DEBUG"}
    chosen = {key: value for key, value in PRODUCTION.items() if key not in without}
    return {**kept, "ENV_FILE": os.devnull, **chosen, **overrides}


def test_database_url() -> str:
    """The test's own database as a URL, for a process a test starts (gunicorn, a Celery worker)."""
    from django.db import connection

    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
