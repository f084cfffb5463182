"""A process started without DJANGO_SETTINGS_MODULE gets the production settings, never debug."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests import production

PROJECT = Path(__file__).resolve().parent.parent
PRINT_DEBUG = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"


def run(code, **overrides):
    """`code` in a process started without DJANGO_SETTINGS_MODULE, with the production variables
    only where `overrides` gives them."""
    environment = production.environment(without=tuple(production.PRODUCTION), **overrides)
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=PROJECT, capture_output=True, text=True, timeout=60
    )


PRODUCTION_VARIABLES = {
    key: value for key, value in production.PRODUCTION.items() if key != "DJANGO_SETTINGS_MODULE"
}


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
    result = run(entrypoint, **PRODUCTION_VARIABLES)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["telecom_panel.settings.production", "False"]


def test_debug_needs_the_development_settings_named_or_debug_set():
    named = run(MANAGE, DJANGO_SETTINGS_MODULE="telecom_panel.settings.base")
    assert named.stdout.split()[-2:] == ["telecom_panel.settings.base", "True"], named.stderr
    asked = run(MANAGE, DEBUG="True", **PRODUCTION_VARIABLES)
    assert asked.stdout.split()[-2:] == ["telecom_panel.settings.production", "True"], asked.stderr


def test_load_demo_refuses_a_host_where_nothing_was_set():
    """The demo accounts have known passwords: `manage.py load_demo` on a production host stops."""
    result = run(
        "import sys; sys.argv = ['manage.py', 'load_demo']; import manage; manage.main()",
        **PRODUCTION_VARIABLES,
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
