"""Production settings fail loudly without what they need; the defaults are the embedded set-up."""

import subprocess
import sys

import pytest
from django.conf import settings

from tests.production import environment

PRINT_DEBUG = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def start(**environment_changes):
    return subprocess.run([sys.executable, "-c", PRINT_DEBUG], env=environment(**environment_changes),
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_production_starts_with_the_documented_variables_and_debug_off():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("without", "overrides", "said"),
    [
        ("SECRET_KEY", {}, "SECRET_KEY"),
        ("ALLOWED_HOSTS", {}, "ALLOWED_HOSTS"),
        # Reset links would otherwise be written to the console, that is the logs.
        ("EMAIL_URL", {}, "EMAIL_URL"),
        ("", {"EMAIL_URL": "consolemail://"}, "EMAIL_URL must name a mail server"),
        ("DATABASE_URL", {}, "DATABASE_URL"),
        (
            "",
            {"DATABASE_URL": "sqlite:////tmp/panel.sqlite3"},
            "DATABASE_URL must name a PostgreSQL database",
        ),
        ("REDIS_URL", {}, "Production settings need REDIS_URL"),
        # A placeholder pasted as is would sign sessions that anyone can forge.
        ("", {"SECRET_KEY": "..."}, "SECRET_KEY must be at least 50 characters"),
        ("", {"SECRET_KEY": "ab" * 40}, "SECRET_KEY must be at least 50 characters"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(without, overrides, said):
    result = start(without=(without,), **overrides)
    assert result.returncode != 0
    assert said in result.stderr


def test_french_is_the_default_language_and_time_is_aware():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris" and settings.USE_TZ
