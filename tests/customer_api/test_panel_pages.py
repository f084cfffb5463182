"""The panel's pages for API access (issue 12): Accès API, a new application, revoking, the consent
page a validationUrl opens, the API help page; and the rights in plain French."""

import ast
import html
import logging
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customer_api import example_script
from customer_api.forms import VALIDITY_CHOICES
from customer_api.models import ApiApplication, ConsumerKey
from customer_api.rights import rules_described
from customer_api.services import (
    APPLICATIONS_PER_CUSTOMER,
    VALIDITIES,
    api_application_create,
    api_application_revoke,
    application_secret,
    consumer_key_decide,
    consumer_key_request,
)
from customer_api.views import KEYS_PER_PAGE
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

READ_RULES = [{"method": "GET", "path": "/telephony"}, {"method": "GET", "path": "/telephony/*"}]
WRITE_RULE = {"method": "PUT", "path": "/telephony/*/service/*/directory"}


def database_text(model) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")
        return repr(cursor.fetchall())


def signed_in(client, user):
    client.force_login(user)
    return client


def authorised_key(application, owner, rules=READ_RULES, **request):
    """A key of `application` that `owner` authorised for a day."""
    new = consumer_key_request(application=application, rules=rules, **request)
    return consumer_key_decide(consumer_key=new.consumer_key, owner=owner, authorise=True, validity="1d")


def consent_url(token):
    return f"{reverse('api_consent')}?credentialToken={token}"


@pytest.fixture
def application(customer):
    """The customer's own script."""
    return api_application_create(
        owner=customer, name="Script de facturation", description="Relevés"
    ).application


@pytest.fixture
def foreign_application(other_customer):
    """Another customer's application (an integrator), which may ask `customer` for access."""
    return api_application_create(owner=other_customer, name="Intégrateur Zorglub").application


# --- Accès API -----------------------------------------------------------------------------------


def test_the_access_page_needs_a_signed_in_customer(client):
    response = client.get(reverse("api_access"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_access_page_lists_the_customers_applications_and_their_keys(
    client, customer, other_customer, application, foreign_application
):
    mine = authorised_key(
        application, customer, rules=[*READ_RULES, WRITE_RULE], allowed_ips=["203.0.113.0/24"]
    )
    pending = consumer_key_request(application=application, rules=READ_RULES).consumer_key
    delegated = authorised_key(foreign_application, customer)  # the integrator acts for the customer
    authorised_key(application, other_customer)  # another customer authorised my script: theirs
    api_application_create(owner=other_customer, name="Application de Bob")

    response = signed_in(client, customer).get(reverse("api_access"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<h1") == 1 and "Accès API" in page
    assert "Script de facturation" in page and "Relevés" in page and application.key in page
    assert "Lire vos comptes de facturation, vos lignes et leurs coordonnées" in page
    assert "Modifier les coordonnées et la parution dans les annuaires de vos lignes" in page
    assert "PUT /telephony/*/service/*/directory" in page and "203.0.113.0/24" in page
    assert "Autorisée" in page and "En attente de validation" in page
    shown = {row["key"].pk for row in response.context["rows"]}
    assert shown == {mine.pk, pending.pk, delegated.pk}  # not `others`: another customer's delegation
    # The integrator's application is named, but not its key, and never another customer's own.
    assert "Intégrateur Zorglub" in page and foreign_application.key not in page
    assert "Application de Bob" not in page
    assert reverse("api_application_create") in page and reverse("api_help") in page
    for key in (mine, pending, delegated):
        assert reverse("api_key_revoke", args=[key.pk]) in page
    assert reverse("api_application_revoke", args=[application.pk]) in page
    assert reverse("api_application_revoke", args=[foreign_application.pk]) not in page


def test_the_access_page_shows_a_lapsed_key_as_expired_without_a_revoke_button(client, customer, application):
    key = authorised_key(application, customer)
    ConsumerKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = signed_in(client, customer).get(reverse("api_access"))
    (row,) = response.context["rows"]
    assert row["state_label"] == "Expirée" and not row["revocable"]
    assert reverse("api_key_revoke", args=[key.pk]) not in response.content.decode()


def test_the_access_page_reads_a_constant_number_of_queries_whatever_the_keys(client, customer, application):
    signed_in(client, customer)
    other = api_application_create(owner=customer, name="Autre script").application
    authorised_key(application, customer)
    client.get(reverse("api_access"))  # warm up (session, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("api_access")).status_code == 200
    for index in range(KEYS_PER_PAGE + 20):
        authorised_key(other if index % 2 else application, customer, rules=[*READ_RULES, WRITE_RULE])
        consumer_key_request(application=application, rules=READ_RULES)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("api_access"))
    assert len(response.context["rows"]) == KEYS_PER_PAGE
    assert len(many) == len(few), [query["sql"] for query in many]
    assert len(many) <= 8, len(many)  # session, user, second factor, banner, applications, keys (count, page)
    assert client.get(reverse("api_access"), {"page": 3}).status_code == 200


def test_the_access_page_answers_only_get_and_head(client, customer):
    signed_in(client, customer)
    assert client.head(reverse("api_access")).status_code == 200
    assert client.post(reverse("api_access")).status_code == 405


def test_the_main_navigation_links_to_the_access_page(client, customer):
    assert reverse("api_access") not in client.get(reverse("login")).content.decode()
    page = signed_in(client, customer).get(reverse("account_security")).content.decode()
    assert f'href="{reverse("api_access")}">Accès API</a>' in page


# --- a new application ---------------------------------------------------------------------------


def test_a_new_application_shows_its_key_and_secret_once(client, customer, caplog):
    signed_in(client, customer)
    assert client.get(reverse("api_application_create")).status_code == 200
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            reverse("api_application_create"), {"name": "  Mon   script ", "description": " Pour la compta "}
        )
    assert response.status_code == 200
    application = ApiApplication.objects.get(owner=customer)
    assert (application.name, application.description) == ("Mon script", "Pour la compta")
    secret = application_secret(application)
    page = response.content.decode()
    assert application.key in page and secret in page
    assert "il ne sera plus jamais affiché" in page
    assert "no-store" in response["Cache-Control"]
    # Kept nowhere: not in the table, the session, the messages, the logs or any later page.
    assert secret not in database_text(ApiApplication)
    assert secret not in repr(dict(client.session)) and secret not in str(client.cookies)
    assert not any(secret in record.getMessage() for record in caplog.records)
    later = client.get(reverse("api_access")).content.decode()
    assert application.key in later and secret not in later


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": "   "}, "Ce champ est obligatoire."),
        ({"name": "Script\x07"}, "caractères invisibles ou de contrôle"),
        ({"name": "Script\u202e"}, "caractères invisibles ou de contrôle"),
        ({"name": "x" * 101}, "au plus 100 caractères"),
        ({"name": "Script", "description": "d" * 301}, "au plus 300 caractères"),
    ],
)
def test_a_new_application_is_refused_with_the_reason_beside_the_field(client, customer, fields, error):
    response = signed_in(client, customer).post(reverse("api_application_create"), fields)
    assert response.status_code == 400
    assert error in html.unescape(response.content.decode())
    assert not ApiApplication.objects.exists()


def test_the_command_keeps_to_the_same_ceiling(customer):
    for n in range(APPLICATIONS_PER_CUSTOMER):
        api_application_create(owner=customer, name=f"Script {n}")
    with pytest.raises(CommandError, match="déjà 20 applications actives"):
        call_command("create_api_application", "--owner", customer.username, "--name", "x", stdout=StringIO())
    assert ApiApplication.objects.filter(owner=customer).count() == APPLICATIONS_PER_CUSTOMER


def test_a_customer_holds_at_most_twenty_applications_not_revoked(client, customer):
    signed_in(client, customer)
    applications = [api_application_create(owner=customer, name=f"Script {n}").application for n in range(20)]
    assert APPLICATIONS_PER_CUSTOMER == 20
    assert (
        "Vous avez déjà 20 applications actives"
        in client.get(reverse("api_application_create")).content.decode()
    )
    response = client.post(reverse("api_application_create"), {"name": "Un de trop"})
    assert response.status_code == 400
    assert "Vous avez déjà 20 applications actives" in response.content.decode()
    assert ApiApplication.objects.filter(owner=customer).count() == 20
    api_application_revoke(application=applications[0])
    assert client.post(reverse("api_application_create"), {"name": "Remplaçant"}).status_code == 200
    assert ApiApplication.objects.filter(owner=customer, revoked_at__isnull=True).count() == 20


# --- revoking ------------------------------------------------------------------------------------


def test_revoking_an_application_ends_its_keys(client, customer, other_customer, application):
    mine = authorised_key(application, customer)
    others = authorised_key(application, other_customer)
    pending = consumer_key_request(application=application, rules=READ_RULES).consumer_key
    response = signed_in(client, customer).post(reverse("api_application_revoke", args=[application.pk]))
    assert response.status_code == 303 and response["Location"] == reverse("api_access")
    application.refresh_from_db()
    assert application.revoked_at is not None
    states = set(
        ConsumerKey.objects.filter(pk__in=[mine.pk, others.pk, pending.pk]).values_list("state", flat=True)
    )
    assert states == {ConsumerKey.State.EXPIRED}
    page = client.get(response["Location"]).content.decode()
    assert "est révoquée" in page and "Révoquée le" in page
    again = client.post(reverse("api_application_revoke", args=[application.pk]), follow=True)
    assert "était déjà révoquée" in again.content.decode()


def test_another_customers_application_cannot_be_revoked(
    client, other_customer, foreign_application, customer
):
    key = authorised_key(foreign_application, customer)  # even one that acts for this customer
    response = signed_in(client, customer).post(
        reverse("api_application_revoke", args=[foreign_application.pk])
    )
    assert response.status_code == 404
    foreign_application.refresh_from_db()
    key.refresh_from_db()
    assert foreign_application.revoked_at is None and key.state == ConsumerKey.State.VALIDATED
    assert client.post(reverse("api_application_revoke", args=[10**6])).status_code == 404


def test_revoking_a_key_ends_it_at_once(client, customer, foreign_application):
    key = authorised_key(foreign_application, customer)
    response = signed_in(client, customer).post(reverse("api_key_revoke", args=[key.pk]))
    assert response.status_code == 303 and response["Location"] == reverse("api_access")
    key.refresh_from_db()
    assert key.state == ConsumerKey.State.EXPIRED and key.expires_at <= timezone.now()
    page = client.get(reverse("api_access")).content.decode()
    assert "est révoquée" in page and "Expirée" in page
    assert (
        "ne fonctionnait déjà plus"
        in client.post(reverse("api_key_revoke", args=[key.pk]), follow=True).content.decode()
    )


def test_a_pending_key_of_ones_own_application_can_be_revoked(client, customer, application):
    pending = consumer_key_request(application=application, rules=READ_RULES).consumer_key
    assert signed_in(client, customer).post(reverse("api_key_revoke", args=[pending.pk])).status_code == 303
    pending.refresh_from_db()
    assert pending.state == ConsumerKey.State.EXPIRED


def test_another_customers_keys_cannot_be_revoked(
    client, customer, other_customer, application, foreign_application
):
    theirs = authorised_key(foreign_application, other_customer)
    theirs_on_my_script = authorised_key(application, other_customer)
    their_pending = consumer_key_request(application=foreign_application, rules=READ_RULES).consumer_key
    signed_in(client, customer)
    for key in (theirs, theirs_on_my_script, their_pending):
        before = ConsumerKey.objects.filter(pk=key.pk).values().get()
        assert client.post(reverse("api_key_revoke", args=[key.pk])).status_code == 404
        assert ConsumerKey.objects.filter(pk=key.pk).values().get() == before


def test_revoking_takes_post_only(client, customer, application):
    key = authorised_key(application, customer)
    signed_in(client, customer)
    assert client.get(reverse("api_key_revoke", args=[key.pk])).status_code == 405
    assert client.get(reverse("api_application_revoke", args=[application.pk])).status_code == 405
    key.refresh_from_db()
    assert key.state == ConsumerKey.State.VALIDATED


# --- the consent page ----------------------------------------------------------------------------


def test_the_consent_link_goes_through_sign_in_and_back(client, customer, foreign_application):
    token = consumer_key_request(application=foreign_application, rules=READ_RULES).credential_token
    response = client.get(consent_url(token))
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == reverse("login")
    next_url = parse_qs(login.query)["next"][0]
    assert next_url == consent_url(token)
    signed = client.post(response["Location"], {"username": "alice", "password": PASSWORD, "next": next_url})
    assert signed.status_code == 302 and signed["Location"] == consent_url(token)
    page = client.get(signed["Location"])
    assert page.status_code == 200 and "Intégrateur Zorglub" in page.content.decode()


def test_the_consent_page_shows_the_application_and_its_rights_in_french(
    client, customer, foreign_application
):
    ApiApplication.objects.filter(pk=foreign_application.pk).update(description="Synchronise vos annuaires")
    token = consumer_key_request(
        application=foreign_application,
        rules=[*READ_RULES, WRITE_RULE],
        allowed_ips=["198.51.100.7/32"],
        redirection="https://integrateur.example/retour",
    ).credential_token
    response = signed_in(client, customer).get(consent_url(token))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert page.count("<h1") == 1
    assert "Intégrateur Zorglub" in page and "Synchronise vos annuaires" in page
    assert "Lister vos comptes de facturation" in page and "GET /telephony/*" in page
    assert "Modifier les coordonnées et la parution dans les annuaires de vos lignes" in page
    assert "198.51.100.7/32" in page and "integrateur.example" in page
    assert "y compris le RIO qui permet de demander la portabilité" in page  # what reading really gives
    assert "créée par un autre client que vous" in page  # the integrator's, not the customer's own
    assert f'name="credentialToken" value="{token}"' in page
    (one_day,) = re.findall(r'<input type="radio"[^>]*value="1d"[^>]*>', page)
    assert "checked" in one_day  # the default: 1 jour
    for label in ("1 heure", "1 jour", "30 jours", "Illimitée", "Autoriser", "Refuser"):
        assert label in page


@pytest.mark.parametrize("validity", sorted(VALIDITIES))
def test_authorising_sets_the_owner_and_the_expiry_chosen(client, customer, foreign_application, validity):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    before = timezone.now()
    response = signed_in(client, customer).post(
        consent_url(new.credential_token),
        {"credentialToken": new.credential_token, "validity": validity, "decision": "autoriser"},
    )
    after = timezone.now()
    assert response.status_code == 303 and response["Location"] == reverse("api_access")
    key = ConsumerKey.objects.get(pk=new.consumer_key.pk)
    assert key.state == ConsumerKey.State.VALIDATED and key.owner == customer
    lasting = VALIDITIES[validity]
    if lasting is None:
        assert key.expires_at is None
    else:
        assert before + lasting <= key.expires_at <= after + lasting
    page = client.get(reverse("api_access")).content.decode()
    assert "peut accéder à votre compte" in page and "Intégrateur Zorglub" in page


def test_refusing_leaves_the_key_refused(client, customer, foreign_application):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token), {"credentialToken": new.credential_token, "decision": "refuser"}
    )
    assert response.status_code == 303 and response["Location"] == reverse("api_access")
    key = ConsumerKey.objects.get(pk=new.consumer_key.pk)
    assert key.state == ConsumerKey.State.REFUSED and key.expires_at is None
    assert "Vous avez refusé l'accès" in html.unescape(client.get(reverse("api_access")).content.decode())


@pytest.mark.parametrize("first", ["autoriser", "refuser"])
def test_a_consent_is_given_once(client, customer, other_customer, foreign_application, first):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    data = {"credentialToken": new.credential_token, "validity": "1h"}
    signed_in(client, customer).post(consent_url(new.credential_token), {**data, "decision": first})
    decided = ConsumerKey.objects.filter(pk=new.consumer_key.pk).values().get()
    for who in (customer, other_customer):
        signed_in(client, who)
        for decision in ("autoriser", "refuser"):
            response = client.post(consent_url(new.credential_token), {**data, "decision": decision})
            assert response.status_code == 404
            assert "Ce lien d'autorisation n'est plus valable" in html.unescape(response.content.decode())
        assert client.get(consent_url(new.credential_token)).status_code == 404
    assert ConsumerKey.objects.filter(pk=new.consumer_key.pk).values().get() == decided


@pytest.mark.parametrize(
    "query", ["", "?credentialToken=", "?credentialToken=inconnu", "?credentialToken=" + "a" * 500]
)
def test_an_unknown_consent_link_is_a_clear_404(client, customer, query):
    response = signed_in(client, customer).get(reverse("api_consent") + query)
    assert response.status_code == 404
    page = html.unescape(response.content.decode())
    assert "Ce lien d'autorisation n'est plus valable" in page and "refaire sa demande" in page


def test_a_consent_link_of_a_revoked_application_or_too_old_is_gone(client, customer, foreign_application):
    old = consumer_key_request(
        application=foreign_application, rules=READ_RULES, now=timezone.now() - timedelta(days=2)
    ).credential_token
    signed_in(client, customer)
    assert client.get(consent_url(old)).status_code == 404
    token = consumer_key_request(application=foreign_application, rules=READ_RULES).credential_token
    api_application_revoke(application=foreign_application)
    assert client.get(consent_url(token)).status_code == 404


@pytest.mark.parametrize(
    ("redirection", "honoured"),
    [
        ("https://integrateur.example/retour?etat=1", True),
        ("http://127.0.0.1:9000/fini", True),
        ("javascript:alert(1)", False),
        ("ftp://integrateur.example/", False),
        ("//integrateur.example/", False),
        ("https:///sans-hote", False),
        ("https://integrateur.example/\r\nSet-Cookie: x=1", False),
    ],
)
@pytest.mark.parametrize("decision", ["autoriser", "refuser"])
def test_the_redirection_is_followed_only_to_http_addresses(
    client, customer, foreign_application, redirection, honoured, decision
):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES, redirection=redirection)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token),
        {"credentialToken": new.credential_token, "validity": "1d", "decision": decision},
    )
    assert response.status_code == 303
    assert response["Location"] == (redirection if honoured else reverse("api_access"))


@pytest.mark.parametrize("validity", ["", "2d", "illimitée", "1h "])
def test_an_invalid_validity_shows_the_form_again(client, customer, foreign_application, validity):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token),
        {"credentialToken": new.credential_token, "validity": validity, "decision": "autoriser"},
    )
    assert response.status_code == 400
    assert "Autoriser" in response.content.decode() and response.context["form"].errors
    assert ConsumerKey.objects.get(pk=new.consumer_key.pk).state == ConsumerKey.State.PENDING


@pytest.mark.parametrize("decision", ["autoriser", "refuser"])
def test_an_answer_racing_another_one_is_told_the_link_is_gone(
    client, customer, foreign_application, monkeypatch, decision
):
    """Two answers at once: the second finds the key decided (the service locks it) and gets the
    page of a spent link; the first answer stands."""
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    stale = ConsumerKey.objects.get(pk=new.consumer_key.pk)  # as the second request read it
    consumer_key_decide(consumer_key=stale, owner=customer, authorise=True, validity="1h")
    monkeypatch.setattr("customer_api.services.consumer_key_for_consent", lambda token, **kwargs: stale)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token), {"validity": "unlimited", "decision": decision}
    )
    assert response.status_code == 404
    key = ConsumerKey.objects.get(pk=stale.pk)
    assert key.state == ConsumerKey.State.VALIDATED and key.expires_at is not None


def test_an_answer_that_is_neither_is_refused(client, customer, foreign_application):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token), {"credentialToken": new.credential_token, "validity": "1d"}
    )
    assert response.status_code == 400 and "Choisissez" in html.unescape(response.content.decode())
    assert ConsumerKey.objects.get(pk=new.consumer_key.pk).state == ConsumerKey.State.PENDING


def test_the_token_may_come_from_the_address_alone(client, customer, foreign_application):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    response = signed_in(client, customer).post(
        consent_url(new.credential_token), {"validity": "30d", "decision": "autoriser"}
    )
    assert response.status_code == 303
    assert ConsumerKey.objects.get(pk=new.consumer_key.pk).state == ConsumerKey.State.VALIDATED


def test_a_member_of_staff_consents_like_anyone(client, support_staff, foreign_application):
    new = consumer_key_request(application=foreign_application, rules=READ_RULES)
    response = signed_in(client, support_staff).post(
        consent_url(new.credential_token), {"validity": "1h", "decision": "autoriser"}
    )
    assert response.status_code == 303
    assert ConsumerKey.objects.get(pk=new.consumer_key.pk).owner == support_staff


# --- the help page -------------------------------------------------------------------------------


def test_the_help_page_is_public_and_points_the_clients_at_this_server(client, settings):
    settings.PANEL_URL = "https://panel.example"
    if hasattr(settings, "PUBLIC_API_BASE"):
        del settings.PUBLIC_API_BASE
    response = client.get(reverse("api_help"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert page.count("<h1") == 1
    assert 'ovh.client.ENDPOINTS["ovh-eu"] = "https://panel.example/1.0"' in page
    assert 'ovh.NewClient("https://panel.example/1.0", ak, as, ck)' in page
    assert 'new Api($ak, $as, "https://panel.example/1.0", $ck)' in page
    assert "https://panel.example/1.0/openapi.json" in page
    assert example_script.__doc__.splitlines()[0] in page
    assert Path(example_script.__file__).read_text(encoding="utf-8") in page
    assert (
        "600 requêtes par minute et par clé d'accès" in page
        and "60 requêtes par minute et par adresse IP" in page
    )
    for code in ("INVALID_KEY", "NOT_AUTHENTICATED", "QUERY_TIME_OUT", "INVALID_SIGNATURE", "signedUrlExpected",
                 "NOT_CREDENTIAL", "INVALID_CREDENTIAL", "FORBIDDEN", "NOT_GRANTED_CALL", "404", "[siret]",
                 "429", "Retry-After"):  # fmt: skip
        assert code in page, code
    assert client.head(reverse("api_help")).status_code == 200
    assert client.post(reverse("api_help")).status_code == 405


def test_the_help_page_follows_the_settings(client, settings):
    settings.PUBLIC_API_BASE = "https://api.panel.example/1.0/"
    settings.API_RATE_LIMIT_PER_KEY = 1200
    settings.API_RATE_LIMIT_PER_ADDRESS = 30
    page = html.unescape(client.get(reverse("api_help")).content.decode())
    assert 'ENDPOINTS["ovh-eu"] = "https://api.panel.example/1.0"' in page
    assert "1200 requêtes par minute" in page and "30 requêtes par minute" in page


# --- the example script --------------------------------------------------------------------------
# It runs for real, against a live server, in tests/customer_api/test_contract.py and in the README's
# commands (tests/test_readme_commands.py).


def test_the_example_scripts_rules_read_in_plain_french():
    assert rules_described(example_script.ACCESS_RULES) == [
        "Lister vos comptes de facturation",
        "Lire vos comptes de facturation, vos lignes et leurs coordonnées, y compris le RIO qui permet de "
        "demander la portabilité de vos numéros",
        "Modifier les coordonnées et la parution dans les annuaires de vos lignes",
    ]


def test_the_example_script_is_a_plain_python_file_and_the_readme_shows_it_whole():
    script = Path(example_script.__file__).read_text(encoding="utf-8")
    ast.parse(script)
    readme = (Path(example_script.__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"```python\n{script}```" in readme, "README.md: paste customer_api/example_script.py again"


# --- rights in plain French ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        (("GET", "/telephony"), "Lister vos comptes de facturation"),
        (("GET", "/telephony/*"), "Lire vos comptes de facturation, vos lignes et leurs coordonnées, y compris "
         "le RIO qui permet de demander la portabilité de vos numéros"),
        (("PUT", "/telephony/*/service/*/directory"),
         "Modifier les coordonnées et la parution dans les annuaires de vos lignes"),
        (("GET", "/*"), "Tout lire sur votre compte"),
        (("GET", "*"), "Tout lire sur votre compte"),
        (("PUT", "/*"), "Tout modifier sur votre compte"),
        (("POST", "/*"), "Tout créer et lancer toute action sur votre compte"),
        (("DELETE", "/*"), "Tout supprimer sur votre compte"),
        (("GET", "/me"), "Lecture de /me"),
        (("PUT", "/me/contact"), "Modification de /me/contact"),
        (("POST", "/sms/*/jobs"), "Création ou action sur /sms/*/jobs"),
        (("DELETE", "/sms/x"), "Suppression de /sms/x"),
        (("GET", "/sms/*"), "Lecture de tout ce qui se trouve sous /sms/"),
        (("DELETE", "/sms/*"), "Suppression de tout ce qui se trouve sous /sms/"),
        (("GET", "//*"), "Lecture de tout ce qui se trouve sous //"),  # not everything: paths under //
    ],
)  # fmt: skip
def test_a_rule_reads_as_plain_french(rule, sentence):
    method, path = rule
    assert rules_described([{"method": method, "path": path}]) == [sentence]


def test_rules_are_described_in_order_one_sentence_each():
    rules = [
        {"method": "GET", "path": "/telephony"},
        {"method": "GET", "path": "/telephony"},
        {"method": "GET"},
        "x",
    ]
    assert rules_described(rules) == ["Lister vos comptes de facturation"] * 2 + ["Droit non reconnu"] * 2
    assert rules_described(None) == [] and rules_described([]) == []


def test_the_consent_page_offers_every_validity_the_service_knows():
    assert [code for code, _label in VALIDITY_CHOICES] == list(VALIDITIES)


def test_the_views_only_call_services_for_writes():
    """views -> services -> models: the views module saves nothing itself."""
    import customer_api.views as views

    source = Path(views.__file__).read_text(encoding="utf-8")
    for write in (".save(", ".update(", ".delete(", ".create(", "bulk_"):
        assert write not in source, write
