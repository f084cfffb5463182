"""Production settings must fail loudly without a secret; the defaults are the embedded set-up."""

import os
import subprocess
import sys

from django.conf import settings


def run_with_settings(module, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "DEFAULT_FROM_EMAIL"}
    }
    environment.update(DJANGO_SETTINGS_MODULE=module, **env)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_settings("telecom_panel.settings.production", ALLOWED_HOSTS="panel.example")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key_and_debug_off():
    result = run_with_settings(
        "telecom_panel.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="panel.example",
        EMAIL_URL="smtp://127.0.0.1:25",
        DEFAULT_FROM_EMAIL="panel@panel.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_refuses_to_start_without_a_mail_server():
    """Reset links would otherwise be written to the console, that is the logs."""
    result = run_with_settings(
        "telecom_panel.settings.production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="panel.example"
    )
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_french_is_the_default_language_and_time_is_aware():
    assert settings.LANGUAGE_CODE == "fr"
    assert settings.TIME_ZONE == "Europe/Paris" and settings.USE_TZ


def test_production_refuses_a_console_mail_backend():
    """Reset links are sign-in tokens: never printed to the logs."""
    result = run_with_settings("telecom_panel.settings.production", SECRET_KEY="x" * 50,
                               ALLOWED_HOSTS="panel.example", EMAIL_URL="consolemail://",
                               DEFAULT_FROM_EMAIL="panel@panel.example")  # fmt: skip
    assert result.returncode != 0
    assert "EMAIL_URL must name a mail server" in result.stderr
