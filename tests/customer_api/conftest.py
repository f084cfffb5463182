"""A live server and the official `ovh` client pointed at it, as a customer's script would be:
one line, `ovh.client.ENDPOINTS["ovh-eu"] = <our base URL>` (contract section 2)."""

import ovh
import ovh.client
import pytest
from django.core.cache import cache
from django.test import Client as PanelClient

from customer_api.services import api_application_create, consumer_key_decide, consumer_key_request
from tests import factories

READ_AND_WRITE = [
    {"method": "GET", "path": "/telephony"},
    {"method": "GET", "path": "/telephony/*"},
    {"method": "PUT", "path": "/telephony/*/service/*/directory"},
]


@pytest.fixture
def api_base(live_server, monkeypatch, communes, settings):
    base = live_server.url + "/1.0"
    settings.PUBLIC_API_BASE = base
    monkeypatch.setitem(ovh.client.ENDPOINTS, "ovh-eu", base)
    # The client also reads OVH_* variables and ovh.conf files: none of the machine's may leak in.
    for name in ("OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("ovh.config.CONFIG_PATH", [])
    cache.clear()  # the request limits count per minute, across tests of the same minute
    return base


@pytest.fixture
def alice(transactional_db):
    return factories.make_customer("alice", reference="al10001-1")


@pytest.fixture
def bob(transactional_db):
    return factories.make_customer("bob", reference="bo20002-1")


@pytest.fixture
def application(alice):
    return api_application_create(owner=alice, name="Script de l'accueil")


def client_for(application, consumer_key=None, secret=None) -> ovh.Client:
    return ovh.Client(
        endpoint="ovh-eu",
        application_key=application.application.key,
        application_secret=secret or application.secret,
        consumer_key=consumer_key,
    )


def authorised_key(application, owner, rules=READ_AND_WRITE, **decision) -> str:
    """A consumer key asked for by the application and authorised by `owner` (the service does
    what the consent page's Autoriser does; the consent page has its own tests)."""
    created = consumer_key_request(application=application.application, rules=rules)
    consumer_key_decide(consumer_key=created.consumer_key, owner=owner, authorise=True, **decision)
    return created.key


def consent_page(user) -> PanelClient:
    panel = PanelClient()
    panel.force_login(user)
    return panel


def signed_headers(application, consumer_key, method, url, body=b"") -> dict:
    """The headers the official client sends, for Django's test client (`url` as the server sees it)."""
    import time

    from customer_api.signing import signature

    timestamp = str(int(time.time()))
    return {
        "HTTP_X_OVH_APPLICATION": application.application.key,
        "HTTP_X_OVH_CONSUMER": consumer_key,
        "HTTP_X_OVH_TIMESTAMP": timestamp,
        "HTTP_X_OVH_SIGNATURE": signature(application_secret=application.secret, consumer_key=consumer_key,
                                          method=method, url=url, body=body, timestamp=timestamp),
    }  # fmt: skip
