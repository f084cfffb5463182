"""Privacy headers (issue 10, headers): no-store for signed-in pages, Permissions-Policy, HSTS."""

import subprocess
import sys

import pytest
from django.urls import reverse

from tests import production
from tests.factories import make_service

pytestmark = pytest.mark.django_db


def test_signed_in_pages_are_never_stored_and_no_page_may_use_the_camera(client, customer):
    service = make_service(customer)
    client.force_login(customer)
    for url in (reverse("service_list"), reverse("service_contact", args=[service.number_digits])):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert "camera=()" in response["Permissions-Policy"]


def test_public_pages_carry_the_permissions_policy_without_no_store(client):
    response = client.get(reverse("directory_search"))
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")


def test_production_asks_browsers_for_https_for_a_year():
    environment = production.environment()
    environment.pop("SECURE_HSTS_SECONDS", None)
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 365 * 24 * 3600


def test_every_answer_carries_a_content_security_policy_without_inline_script(
    client, customer, support_staff
):
    service = make_service(customer)
    client.force_login(customer)
    pages = [reverse("service_list"), reverse("service_contact_edit", args=[service.number_digits])]
    answers = [client.get(url) for url in pages]
    client.force_login(support_staff)
    answers.append(client.get(reverse("admin:directory_syncrun_changelist")))
    client.logout()
    answers += [client.get(reverse("login")), client.get(reverse("directory_search"))]
    for response in answers:
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_of_ours_has_an_inline_script_style_or_handler():
    """The policy would block them: a new template with one fails here before it fails in a browser."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
    )
    offenders = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in templates.rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
