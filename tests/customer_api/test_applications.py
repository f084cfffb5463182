"""Applications and consumer keys (issue 12): secrets returned once and never stored in clear, the
ops command as the issue writes it, access rules checked when a key is requested."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from customer_api.models import ApiApplication, ConsumerKey
from customer_api.services import (
    InvalidRules,
    api_application_create,
    application_secret,
    consumer_key_find,
    consumer_key_request,
)

pytestmark = pytest.mark.django_db


def database_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return repr(cursor.fetchall())


def test_the_command_prints_the_key_and_secret_once_as_json(customer):
    out = StringIO()
    call_command("create_api_application", "--owner", customer.username, "--name", "Script de facturation",
                 stdout=out)  # fmt: skip
    printed = json.loads(out.getvalue().splitlines()[-1])
    application = ApiApplication.objects.get()
    assert set(printed) == {"application_key", "application_secret"}
    assert printed["application_key"] == application.key and application.owner == customer
    assert printed["application_secret"] == application_secret(application)
    assert len(printed["application_key"]) == 16 and len(printed["application_secret"]) == 32
    assert printed["application_key"].isalnum() and printed["application_secret"].isalnum()
    # A dump of the table does not give the secret: it is derived from the server's key.
    assert printed["application_secret"] not in database_text(ApiApplication._meta.db_table)


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--owner", "nobody", "--name", "x"], "Aucun client actif"),
        (["--owner", "sam", "--name", "x"], "Aucun client actif"),  # staff: not a customer
        (["--owner", "alice", "--name", "   "], "Le nom"),
        (["--owner", "alice", "--name", "x" * 101], "Le nom"),
    ],
)
def test_the_command_refuses_what_it_cannot_create(customer, support_staff, arguments, said):
    with pytest.raises(CommandError, match=said):
        call_command("create_api_application", *arguments, stdout=StringIO())
    assert not ApiApplication.objects.exists()


def test_secrets_depend_on_the_server_key(customer, settings):
    created = api_application_create(owner=customer, name="A")
    other = api_application_create(owner=customer, name="B")
    assert created.secret != other.secret and created.application.key != other.application.key
    assert application_secret(created.application) == created.secret  # stable
    settings.API_SECRETS_KEY = "another server key, another secret for the same row"
    assert application_secret(created.application) != created.secret


def test_a_consumer_key_is_stored_hashed_and_found_by_its_application_only(customer):
    application = api_application_create(owner=customer, name="A").application
    other = api_application_create(owner=customer, name="B").application
    rules = [{"method": "GET", "path": "/telephony"}, {"method": "GET", "path": "/telephony/*"}]
    requested = consumer_key_request(application=application, rules=rules, redirection="https://app.example/")
    assert len(requested.key) == 32 and requested.key.isalnum()
    assert requested.credential_token != requested.key
    stored = ConsumerKey.objects.get()
    assert (stored.state, stored.owner, stored.rules) == ("pendingValidation", None, rules)
    text = database_text(ConsumerKey._meta.db_table)
    assert requested.key not in text and requested.credential_token not in text
    assert consumer_key_find(application.key, requested.key) == stored
    assert consumer_key_find(other.key, requested.key) is None  # issued to another application
    assert consumer_key_find(application.key, requested.key + "x") is None


@pytest.mark.parametrize(
    "rules",
    [
        [],
        "GET /telephony",
        [{"method": "PATCH", "path": "/telephony"}],
        [{"method": "GET"}],
        [{"method": "GET", "path": "/telephony", "extra": 1}],
        [{"method": "GET", "path": 42}],
        [{"method": "GET", "path": "telephony"}],
        [{"method": "get", "path": "/telephony"}],
        [{"method": "GET", "path": "/" + "x" * 500}],
        [{"method": "GET", "path": "/telephony"}] * 101,
    ],
)
def test_malformed_access_rules_are_refused_as_the_contract_words_it(customer, rules):
    application = api_application_create(owner=customer, name="A").application
    with pytest.raises(InvalidRules, match="Body parameter accessRules isn't formated correctly"):
        consumer_key_request(application=application, rules=rules)
    assert not ConsumerKey.objects.exists()
