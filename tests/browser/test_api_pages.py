"""API access in Chromium: a customer creates an application in the panel (its key and secret shown
once), the application asks for a consumer key, the customer opens its consent link, reads the
rights in French, authorises it for 30 days, finds it on Accès API and revokes it."""

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from customer_api.models import ApiApplication, ConsumerKey
from customer_api.services import application_secret, consumer_key_request
from tests.factories import PASSWORD, make_customer

from .conftest import sign_in
from .test_contact_flow import field

pytestmark = pytest.mark.browser
RULES = [
    {"method": "GET", "path": "/telephony"},
    {"method": "GET", "path": "/telephony/*"},
    {"method": "PUT", "path": "/telephony/*/service/*/directory"},
]


@pytest.fixture
def customer_on_live_server(transactional_db):
    """A customer in the live server's database."""
    return make_customer("alice", reference="al10001-1")


def test_a_customer_creates_an_application_authorises_its_key_and_revokes_it(page, customer_on_live_server):
    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Accès API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès API")

    page.get_by_role("link", name="Créer une application").click()
    field(page, "Nom de l'application").fill("Mon script")
    field(page, "Description").fill("Remplit les coordonnées")
    page.get_by_role("button", name="Créer l'application").click()
    expect(page.get_by_role("alert")).to_contain_text("il ne sera plus jamais affiché")
    application = ApiApplication.objects.get(owner=customer_on_live_server)
    expect(page.get_by_test_id("application-key")).to_have_text(application.key)
    expect(page.get_by_test_id("application-secret")).to_have_text(application_secret(application))

    # The script asks for a key (POST /auth/credential) and sends the customer to its consent link.
    token = consumer_key_request(application=application, rules=RULES).credential_token
    page.goto(f"/compte/api/autorisation/?credentialToken={token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mon script")
    rights = page.locator("ul.rights")
    expect(rights).to_contain_text("Lister vos comptes de facturation")
    expect(rights).to_contain_text("Lire vos comptes de facturation, vos lignes et leurs coordonnées")
    expect(rights).to_contain_text("Modifier les coordonnées et la parution dans les annuaires de vos lignes")
    expect(rights).to_contain_text("PUT /telephony/*/service/*/directory")
    expect(page.get_by_label("1 jour")).to_be_checked()
    page.get_by_label("30 jours").check()
    page.get_by_role("button", name="Autoriser").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Accès API")
    expect(page.get_by_role("status")).to_contain_text("peut accéder à votre compte jusqu'au")
    key = ConsumerKey.objects.get(application=application)
    assert key.state == ConsumerKey.State.VALIDATED and key.owner == customer_on_live_server
    with translation.override("fr"):
        expiry = formats.date_format(timezone.localtime(key.expires_at), "SHORT_DATETIME_FORMAT")
    row = page.locator(f'tr[data-key="{key.pk}"]')
    expect(row).to_contain_text("Autorisée")
    expect(row).to_contain_text(expiry)

    row.get_by_role("button", name="Révoquer").click()
    expect(page.get_by_role("status")).to_contain_text("est révoquée")
    row = page.locator(f'tr[data-key="{key.pk}"]')
    expect(row).to_contain_text("Expirée")
    expect(row.get_by_role("button", name="Révoquer")).to_have_count(0)
    key.refresh_from_db()
    assert key.state == ConsumerKey.State.EXPIRED
