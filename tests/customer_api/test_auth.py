"""The order of checks of a signed request (contract 1.9, rows 1 to 8): each refusal with its
status, errorCode and message, in that order, and its hints without secrets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customer_api.auth import ApiError, request_authenticate
from customer_api.models import ConsumerKey
from customer_api.services import (
    ConsumerKeyDecided,
    api_application_create,
    consumer_key_decide,
    consumer_key_request,
)
from customer_api.signing import signature

pytestmark = pytest.mark.django_db
URL = "https://panel.example/1.0/telephony"
RULES = [{"method": "GET", "path": "/telephony"}, {"method": "GET", "path": "/telephony/*"}]


@pytest.fixture
def keys(customer):
    created = api_application_create(owner=customer, name="Script")
    requested = consumer_key_request(application=created.application, rules=RULES)
    consumer_key_decide(consumer_key=requested.consumer_key, owner=customer, authorise=True)
    return {"application": created.application, "secret": created.secret, "consumer": requested.key,
            "credential": requested.consumer_key}  # fmt: skip


def signed_headers(keys, *, method="GET", url=URL, body=b"", when=None, **changes):
    timestamp = str(int((when or timezone.now()).timestamp()))
    headers = {
        "X-Ovh-Application": keys["application"].key,
        "X-Ovh-Consumer": keys["consumer"],
        "X-Ovh-Timestamp": timestamp,
        "X-Ovh-Signature": signature(
            application_secret=keys["secret"],
            consumer_key=keys["consumer"],
            method=method,
            url=url,
            body=body,
            timestamp=timestamp,
        ),
    }
    return {**headers, **changes}


def call(headers, *, method="GET", path="/telephony", urls=(URL,), body=b"", client_ip="192.0.2.1"):
    return request_authenticate(headers=headers, method=method, path=path, urls=list(urls), body=body,
                                client_ip=client_ip)  # fmt: skip


def refusal(headers, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as raised:
        call(headers, **kwargs)
    return raised.value


def test_a_well_signed_request_acts_with_its_key_and_its_use_is_recorded(keys):
    credential = call(signed_headers(keys))
    assert credential == keys["credential"]
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    # Two identical requests in the same second are legitimate: no nonce, no replay refusal.
    same = signed_headers(keys)
    assert call(same) == call(same)


def test_the_checks_come_in_the_contracts_order(keys, customer):
    good = signed_headers(keys)
    # 1. An unknown application, whatever else is wrong.
    error = refusal({**good, "X-Ovh-Application": "nope", "X-Ovh-Signature": "x"})
    assert (error.status, error.error_code, error.message) == (403, "INVALID_KEY", "Invalid application key")
    # 2. Signature headers missing.
    error = refusal({"X-Ovh-Application": keys["application"].key})
    assert (error.status, error.error_code, error.message) == (
        401,
        "NOT_AUTHENTICATED",
        "You must login first",
    )
    # 3. A clock 181 s off, even well signed: the server's time in the hint.
    late = signed_headers(keys, when=timezone.now() - timedelta(seconds=181))
    error = refusal(late)
    assert (error.status, error.error_code) == (400, "QUERY_TIME_OUT")
    assert abs(error.details["serverTime"] - timezone.now().timestamp()) < 5
    assert refusal({**late, "X-Ovh-Signature": "$1$" + "0" * 40}).error_code == "QUERY_TIME_OUT"  # 3 before 4
    # 4. A wrong signature: the URL the server accepts and its time, never a secret.
    error = refusal(signed_headers(keys, url="http://elsewhere/1.0/telephony"))
    assert (error.status, error.error_code, error.message) == (400, "INVALID_SIGNATURE", "Invalid signature")
    assert error.details["signedUrlExpected"] == URL
    assert keys["secret"] not in repr(error.body()) and keys["consumer"] not in repr(error.body())
    unknown_and_badly_signed = {**signed_headers({**keys, "consumer": "unknown-key"}), "X-Ovh-Signature": "x"}
    assert refusal(unknown_and_badly_signed).error_code == "INVALID_SIGNATURE"  # 4 before 5
    # 5. A consumer key unknown, or issued to another application (signed with this one's secret).
    other = api_application_create(owner=customer, name="Other").application
    foreign = consumer_key_request(application=other, rules=RULES).key
    for consumer in ("unknown-key", foreign):
        error = refusal(signed_headers({**keys, "consumer": consumer}))
        assert (error.status, error.error_code) == (403, "NOT_CREDENTIAL")
    # 8. A call no rule grants: the refused call named.
    error = refusal(signed_headers(keys, method="PUT"), method="PUT")
    assert (error.status, error.error_code) == (403, "NOT_GRANTED_CALL")
    assert error.message == "This call has not been granted: PUT /telephony"


def test_pending_refused_expired_and_revoked_keys(keys, customer):
    application = keys["application"]
    pending = consumer_key_request(application=application, rules=RULES)
    error = refusal(signed_headers({**keys, "consumer": pending.key}))
    assert (error.status, error.error_code) == (403, "INVALID_CREDENTIAL")
    assert "waits for its customer's consent" in error.message
    refused = consumer_key_request(application=application, rules=RULES)
    consumer_key_decide(consumer_key=refused.consumer_key, owner=customer, authorise=False)
    assert refusal(signed_headers({**keys, "consumer": refused.key})).error_code == "INVALID_CREDENTIAL"
    hour = consumer_key_request(application=application, rules=RULES)
    consumer_key_decide(consumer_key=hour.consumer_key, owner=customer, authorise=True, validity="1h",
                        now=timezone.now() - timedelta(hours=2))  # fmt: skip
    assert refusal(signed_headers({**keys, "consumer": hour.key})).error_code == "INVALID_CREDENTIAL"
    # A consent is given once: a second answer changes nothing.
    with pytest.raises(ConsumerKeyDecided):
        consumer_key_decide(consumer_key=refused.consumer_key, owner=customer, authorise=True)
    # A revoked application, or one whose customer left, is unknown.
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    assert refusal(signed_headers(keys)).error_code == "INVALID_KEY"
    customer.is_active = True
    customer.save(update_fields=["is_active"])
    assert call(signed_headers(keys))
    application.revoked_at = timezone.now()
    application.save()
    assert refusal(signed_headers(keys)).error_code == "INVALID_KEY"


def test_allowed_ips_and_the_routes_every_key_may_call(keys):
    ConsumerKey.objects.filter(pk=keys["credential"].pk).update(allowed_ips=["203.0.113.0/24"], rules=[])
    assert call(signed_headers(keys), path="/auth/currentCredential", client_ip="203.0.113.7")
    for client_ip in ("192.0.2.1", "not an address"):
        error = refusal(signed_headers(keys), client_ip=client_ip)
        assert (error.status, error.error_code) == (403, "FORBIDDEN")
    error = refusal(signed_headers(keys), client_ip="203.0.113.7")  # no rule left for GET /telephony
    assert error.error_code == "NOT_GRANTED_CALL"


def test_the_error_body_is_the_superset_of_both_shapes():
    body = ApiError(403, "NOT_GRANTED_CALL", "This call has not been granted").body()
    assert body == {"class": "Client::Forbidden", "errorCode": "NOT_GRANTED_CALL", "httpCode": "403 Forbidden",
                    "message": "This call has not been granted"}  # fmt: skip
