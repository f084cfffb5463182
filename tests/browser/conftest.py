"""Browser tests: Playwright for Python driving Debian's Chromium against Django's live server.

They skip, with the reason, where /usr/bin/chromium is missing; .ci/run installs it and counts
any skip as a failure. Playwright's own browser download is never used.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
# plain synchronous code, so Django's guard against async misuse does not apply to them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Whatever the test does, the Content-Security-Policy must never have to block anything:
    # a refusal means a page relies on an inline script or style, or a foreign source.
    refused = []
    page.on(
        "console", lambda message: "Content Security Policy" in message.text and refused.append(message.text)
    )
    yield page
    context.close()
    assert refused == [], refused


@pytest.fixture
def demo_data(transactional_db, communes):
    """The demo customers, on the live server's database."""
    call_command("load_demo", "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115


def sign_in(page, username, password):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
