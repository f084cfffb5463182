"""A process started without DJANGO_SETTINGS_MODULE gets the production settings, never debug."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
MAIL = {"EMAIL_URL": "smtp://127.0.0.1:25", "DEFAULT_FROM_EMAIL": "panel@panel.example"}
PRINT_DEBUG = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def run(code, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "EMAIL_URL"}
    }
    # A developer's .env (make run writes one) must not name the settings for these processes.
    environment.update({"ENV_FILE": os.devnull, **env})
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=PROJECT, capture_output=True, text=True, timeout=60
    )


MANAGE = f"import sys; sys.argv = ['manage.py', 'shell', '-c', {PRINT_DEBUG!r}]; import manage; manage.main()"
WSGI = "import telecom_panel.wsgi; " + PRINT_DEBUG
CELERY = "from telecom_panel.celery import app; app.loader.import_default_modules(); " + PRINT_DEBUG


@pytest.mark.parametrize("entrypoint", [MANAGE, WSGI, CELERY], ids=["manage.py", "wsgi", "celery"])
def test_without_the_variable_a_process_gets_production_and_refuses_to_start_without_a_secret(entrypoint):
    result = run(entrypoint)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("entrypoint", [MANAGE, WSGI, CELERY], ids=["manage.py", "wsgi", "celery"])
def test_without_the_variable_debug_is_off(entrypoint):
    result = run(entrypoint, SECRET_KEY="x" * 50, ALLOWED_HOSTS="panel.example", **MAIL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["telecom_panel.settings.production", "False"]


def test_debug_needs_the_development_settings_named_or_debug_set():
    named = run(MANAGE, DJANGO_SETTINGS_MODULE="telecom_panel.settings.base")
    assert named.stdout.split()[-2:] == ["telecom_panel.settings.base", "True"], named.stderr
    asked = run(MANAGE, DEBUG="True", SECRET_KEY="x" * 50, ALLOWED_HOSTS="panel.example", **MAIL)
    assert asked.stdout.split()[-2:] == ["telecom_panel.settings.production", "True"], asked.stderr


def test_load_demo_refuses_a_host_where_nothing_was_set(tmp_path):
    """The demo accounts have known passwords: `manage.py load_demo` on a bare production host stops."""
    result = run(
        "import sys; sys.argv = ['manage.py', 'load_demo']; import manage; manage.main()",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="panel.example",
        **MAIL,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
