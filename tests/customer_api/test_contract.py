"""The contract (../shared/reference/ovh-api-contract.md), driven only through the official `ovh`
client against a live server: the order of checks (1.9, rows 1 to 11), the routes, the PUT's
semantics (3.5) and isolation. Each test reads what a customer's script would see: the client's
exception class, its message, the answer's details."""

from datetime import timedelta

import ovh
import ovh.exceptions
import pytest
from django.utils import timezone

from customer_api import example_script
from customer_api.models import ConsumerKey
from customer_api.services import api_application_create, consumer_key_decide, consumer_key_request
from customer_api.signing import signature
from directory.models import Publication
from lines.models import ContactDetails, Service, ServiceChange
from tests import factories
from tests.customer_api.conftest import READ_AND_WRITE, authorised_key, client_for

pytestmark = pytest.mark.django_db(transaction=True)
ACCOUNT = "al10001-1"
NUMBER = "+33199000301"
DIRECTORY = f"/telephony/{ACCOUNT}/service/0033199000301/directory"


@pytest.fixture
def line(alice):
    service = factories.make_service(alice, number=NUMBER, label="Accueil")
    factories.make_contact_details(service)
    return service


@pytest.fixture
def script(api_base, application, alice, line):
    """A script with a consumer key alice authorised for reading and editing her directory data."""
    return client_for(application, authorised_key(application, alice))


# --- 1.9: the order of checks, one row each ------------------------------------------------------


def test_row_1_an_unknown_application_key_is_invalid_key(api_base, application, alice, line):
    key = authorised_key(application, alice)
    stranger = ovh.Client(endpoint="ovh-eu", application_key="unknown0000000", application_secret="x" * 32,
                          consumer_key=key)  # fmt: skip
    with pytest.raises(ovh.exceptions.InvalidKey, match="Invalid application key"):
        stranger.get("/telephony")


def test_row_2_a_call_without_the_signature_headers_must_login_first(script):
    with pytest.raises(ovh.exceptions.APIError, match="You must login first") as raised:
        script.call("GET", "/telephony", need_auth=False)
    assert raised.value.response.status_code == 401
    assert raised.value.response.json()["errorCode"] == "NOT_AUTHENTICATED"


def test_row_3_a_clock_off_by_more_than_180_s_is_query_out_of_time_with_the_server_time(script):
    script._time_delta = -200  # a machine 200 s behind that never asked /auth/time
    with pytest.raises(ovh.exceptions.BadParametersError, match="Query out of time") as raised:
        script.get("/telephony")
    body = raised.value.response.json()
    assert body["errorCode"] == "QUERY_TIME_OUT"
    assert abs(body["details"]["serverTime"] - timezone.now().timestamp()) < 5
    script._time_delta = 170  # within the window: accepted
    assert script.get("/telephony") == [ACCOUNT]


def test_row_4_a_wrong_secret_is_invalid_signature_with_a_hint_and_no_secret(
    api_base, application, alice, line
):
    key = authorised_key(application, alice)
    wrong = client_for(application, key, secret="W" * 32)
    with pytest.raises(ovh.exceptions.BadParametersError, match="Invalid signature") as raised:
        wrong.get("/telephony", iamTags="x")
    body, text = raised.value.response.json(), raised.value.response.text
    assert body["errorCode"] == "INVALID_SIGNATURE"
    assert body["details"]["signedUrlExpected"] == f"{api_base}/telephony?iamTags=x"
    assert abs(body["details"]["serverTime"] - timezone.now().timestamp()) < 5
    assert application.secret not in text and key not in text


def test_row_5_an_unknown_key_or_another_applications_key_does_not_exist(api_base, application, alice, line):
    with pytest.raises(ovh.exceptions.NotCredential, match="This credential does not exist"):
        client_for(application, "K" * 32).get("/telephony")
    other = api_application_create(owner=alice, name="Autre script")
    with pytest.raises(ovh.exceptions.NotCredential):
        client_for(other, authorised_key(application, alice)).get("/telephony")


def test_row_6_pending_refused_expired_and_logged_out_keys_are_not_valid(api_base, application, alice, line):
    pending = consumer_key_request(application=application.application, rules=READ_AND_WRITE)
    with pytest.raises(ovh.exceptions.InvalidCredential, match="validationUrl"):
        client_for(application, pending.key).get("/telephony")
    refused = consumer_key_request(application=application.application, rules=READ_AND_WRITE)
    consumer_key_decide(consumer_key=refused.consumer_key, owner=alice, authorise=False)
    with pytest.raises(ovh.exceptions.InvalidCredential, match="This credential is not valid"):
        client_for(application, refused.key).get("/telephony")
    hour = authorised_key(application, alice, validity="1h")
    assert client_for(application, hour).get("/telephony") == [ACCOUNT]
    ConsumerKey.objects.filter(validated_at__isnull=False, expires_at__isnull=False).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ovh.exceptions.InvalidCredential):
        client_for(application, hour).get("/telephony")
    script = client_for(application, authorised_key(application, alice))
    assert script.post("/auth/logout") is None
    with pytest.raises(ovh.exceptions.InvalidCredential):
        script.get("/telephony")
    assert ConsumerKey.objects.filter(state=ConsumerKey.State.EXPIRED).count() == 1


def test_row_6_a_key_authorised_by_a_customer_whose_account_is_closed_is_not_valid(
    api_base, application, bob
):
    """Bob authorised alice's application; bob's account is then closed: the key acts for nobody."""
    factories.make_service(bob, number="+33199000306")
    script = client_for(application, authorised_key(application, bob))
    assert script.get("/telephony") == ["bo20002-1"]
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    with pytest.raises(ovh.exceptions.InvalidCredential):
        script.get("/telephony")


def test_row_7_a_key_bound_to_other_addresses_is_forbidden_here(api_base, application, alice, line):
    far = consumer_key_request(application=application.application, rules=READ_AND_WRITE,
                               allowed_ips=["203.0.113.0/24"])  # fmt: skip
    near = consumer_key_request(application=application.application, rules=READ_AND_WRITE,
                                allowed_ips=["127.0.0.0/8", "::1/128"])  # fmt: skip
    for created in (far, near):
        consumer_key_decide(consumer_key=created.consumer_key, owner=alice, authorise=True)
    with pytest.raises(ovh.exceptions.Forbidden, match="This IP is not allowed"):
        client_for(application, far.key).get("/telephony")
    assert client_for(application, near.key).get("/telephony") == [ACCOUNT]


def test_row_8_a_call_no_rule_grants_is_refused_by_name_and_current_credential_stays_readable(
    api_base, application, alice, line
):
    # "/telephony" does not cover "/telephony/x" (the rule users forget, contract 1.8).
    script = client_for(
        application, authorised_key(application, alice, rules=[{"method": "GET", "path": "/telephony"}])
    )
    assert script.get("/telephony") == [ACCOUNT]
    with pytest.raises(ovh.exceptions.NotGrantedCall, match=f"GET /telephony/{ACCOUNT}/service"):
        script.get(f"/telephony/{ACCOUNT}/service")
    # Refused whether the object exists or not: the rules alone decide, nothing leaks.
    with pytest.raises(ovh.exceptions.NotGrantedCall):
        script.get("/telephony/bo20002-1/service")
    with pytest.raises(ovh.exceptions.NotGrantedCall, match="PUT"):
        script.put(DIRECTORY, lineDescription="Standard")
    assert script.get("/auth/currentCredential")["rules"] == [{"method": "GET", "path": "/telephony"}]


def test_row_9_another_customers_account_or_service_is_the_same_404_as_an_absent_one(script, bob):
    theirs = factories.make_service(bob, number="+33199000302")
    factories.make_contact_details(theirs)
    answers = {}
    for path in (
        "/telephony/bo20002-1",
        "/telephony/zz99999-1",
        "/telephony/bo20002-1/service",
        "/telephony/bo20002-1/service/0033199000302/directory",
    ):
        with pytest.raises(ovh.exceptions.ResourceNotFoundError) as raised:
            script.get(path)
        answers[path] = raised.value.response.json()
    assert answers["/telephony/bo20002-1"] == {
        **answers["/telephony/zz99999-1"],
        "message": "The requested object (billingAccount = bo20002-1) does not exist",
    }
    # Bob's number under alice's own account: as absent as a number nobody has.
    for number in ("0033199000302", "0033199009999"):
        with pytest.raises(ovh.exceptions.ResourceNotFoundError, match=f"serviceName = {number}"):
            script.get(f"/telephony/{ACCOUNT}/service/{number}/directory")
        with pytest.raises(ovh.exceptions.ResourceNotFoundError):
            script.put(f"/telephony/{ACCOUNT}/service/{number}/directory", lineDescription="x")
    assert ContactDetails.objects.get(service=theirs).last_name == "Durand"
    assert not Publication.objects.filter(service=theirs, line_designation="x").exists()


def test_row_11_a_key_over_its_limit_gets_429_with_retry_after(script, settings):
    settings.API_RATE_LIMIT_PER_KEY = 3
    for _ in range(3):
        script.get("/telephony")
    with pytest.raises(ovh.exceptions.APIError, match="Too many requests") as raised:
        script.get("/telephony")
    response = raised.value.response
    assert response.status_code == 429 and response.json()["errorCode"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_the_lookups_without_a_key_are_limited_per_address(api_base, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = 2
    anonymous = ovh.Client(endpoint="ovh-eu", application_key="any", application_secret="any")
    cities = anonymous.get("/telephony/directories/cities", _need_auth=False, country="fr", zipCode="75011")
    assert cities == [{"name": "Paris", "zipCode": "75011", "administrationCode": "75056"}]
    assert (
        anonymous.get("/telephony/directories/availableZipCodes", _need_auth=False, country="fr", number="x")
        == []
    )
    with pytest.raises(ovh.exceptions.APIError) as raised:
        anonymous.get("/telephony/directories/cities", _need_auth=False, country="fr", zipCode="75011")
    assert raised.value.response.status_code == 429 and "Retry-After" in raised.value.response.headers


# --- The signature as the client computes it (contract 1.2's vectors) ---------------------------


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [
        ("GET", "https://eu.api.ovh.com/1.0/auth", b"", "$1$e9556054b6309771395efa467c22e627407461ad"),
        ("PUT", "https://eu.api.ovh.com/1.0/auth", b'{"a":"b","c":"d"}', "$1$8a75a9e7c8e7296c9dbeda6a2a735eb6bd58ec4b"),
        ("GET", "http://127.0.0.1:8000/1.0/telephony", b"", "$1$6fb3a6330df64825bebe2a0a2f448bb6f2f06798"),
        ("PUT", "http://127.0.0.1:8000/1.0/telephony/aa11111-ovh-1/service/0033123456789/directory",
         b'{"lineDescription":"Standard"}', "$1$485fef00215d331b2b327e299b428181b2a1f73b"),
    ],
)  # fmt: skip
def test_the_client_and_the_server_sign_the_contract_vectors_alike(monkeypatch, method, url, body, expected):
    secret, key, timestamp = (
        "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk",
        "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY",
        "1457018875",
    )
    endpoint, path = url.split("/1.0", 1)
    monkeypatch.setitem(ovh.client.ENDPOINTS, "ovh-eu", endpoint + "/1.0")
    client = ovh.Client(endpoint="ovh-eu", application_key="ak", application_secret=secret, consumer_key=key)
    client._time_delta = int(timestamp) - int(__import__("time").time())
    sent = {}

    def capture(method, url, headers, data, **options):
        sent.update(headers=headers, data=data)
        raise ovh.client.RequestException("captured")

    monkeypatch.setattr(client._session, "request", capture)
    monkeypatch.setattr("ovh.client.time.time", lambda: int(timestamp) - client._time_delta)
    with pytest.raises(ovh.exceptions.HTTPError):
        client.call(method, path, {"a": "b", "c": "d"} if body == b'{"a":"b","c":"d"}' else
                    ({"lineDescription": "Standard"} if body else None))  # fmt: skip
    assert sent["headers"]["X-Ovh-Signature"] == expected
    ours = signature(
        application_secret=secret, consumer_key=key, method=method, url=url, body=body, timestamp=timestamp
    )
    assert ours == expected


# --- The routes -----------------------------------------------------------------------------------


def test_listing_routes_and_the_service_with_its_rio(script, alice):
    factories.make_service(alice, number="+33199000303", kind=Service.Kind.NUMBER)
    assert script.get("/auth/time") == pytest.approx(timezone.now().timestamp(), abs=5)
    assert script.get("/telephony") == [ACCOUNT]
    assert script.get(f"/telephony/{ACCOUNT}") == {"billingAccount": ACCOUNT, "description": "Compte alice",
                                                   "status": "enabled"}  # fmt: skip
    assert script.get(f"/telephony/{ACCOUNT}/service") == ["0033199000301", "0033199000303"]
    line = script.get(f"/telephony/{ACCOUNT}/service/0033199000301")
    assert line["serviceType"] == "line" and line["description"] == "Accueil" and line["countryCode"] == 33
    alias = script.get(f"/telephony/{ACCOUNT}/service/0033199000303")
    assert alias["serviceType"] == "alias"
    # The same service by each of its names; the /v1 alias answers the same.
    for name in ("0033199000301", "+33199000301", "0199000301"):
        assert script.get(f"/telephony/{ACCOUNT}/service/{name}/directory")["number"] == "0033199000301"
    assert script.get("/v1/telephony") == [ACCOUNT]


def test_the_directory_has_all_38_properties_with_their_types(script):
    info = script.get(DIRECTORY)
    assert len(info) == 38
    assert info["legalForm"] == "individual" and info["name"] == "Durand" and info["firstName"] == "Claire"
    assert (info["postCode"], info["city"], info["urbanDistrict"], info["inseeCode"]) == (
        "75011",
        "Paris",
        "11",
        75056,
    )
    assert (info["wayNumber"], info["wayType"], info["wayName"]) == ("10", "RUE", "Oberkampf")
    assert info["country"] == "fr" and info["status"] == "" and info["birthDate"] is None
    nullable = {"birthDate", "gender"}
    assert all(value is not None for name, value in info.items() if name not in nullable)


def test_a_partial_put_changes_only_what_it_sends_and_is_recorded_as_the_api(
    script, line, alice, application
):
    assert script.put(DIRECTORY, lineDescription="Standard", firstName="Marie") is None
    info = script.get(DIRECTORY)
    assert (info["lineDescription"], info["firstName"], info["name"], info["postCode"]) == ("Standard", "Marie",
                                                                                           "Durand", "75011")  # fmt: skip
    change = ServiceChange.objects.get(service=line)
    assert change.source == ServiceChange.Source.API and change.actor == alice
    assert change.application == application.application.name
    assert set(change.changes) == {"first_name", "publication.line_designation"}


def test_get_modify_put_round_trip_changes_nothing_then_changes_what_was_modified(script, line):
    info = script.get(DIRECTORY)
    assert script.put(DIRECTORY, **info) is None
    assert not ServiceChange.objects.filter(service=line).exists()
    assert script.get(DIRECTORY) == info
    info.update(wayNumber="12 bis", wayType="AV", wayName="Parmentier", status="done", inseeCode=1)
    script.put(DIRECTORY, **info)
    details = ContactDetails.objects.get(service=line)
    assert (details.street_number, details.street_number_suffix, details.street_type, details.street_name) == (
        12, "bis", "avenue", "Parmentier")  # fmt: skip
    assert script.get(DIRECTORY)["status"] == ""  # read-only properties were ignored


def test_publishing_and_withdrawing_through_the_api_follow_the_panels_status_rules(script, line):
    script.put(DIRECTORY, displayUniversalDirectory=True)
    info = script.get(DIRECTORY)
    assert (info["status"], info["modificationType"]) == ("todo", "creation")
    assert info["modificationDate"]
    Publication.objects.filter(service=line).update(status=Publication.Status.SYNCED, in_directory=True)
    script.put(DIRECTORY, lineDescription="Accueil")  # saving without a published change keeps "done"?
    assert script.get(DIRECTORY)["status"] == "todo"  # the line description is published: rescheduled
    Publication.objects.filter(service=line).update(status=Publication.Status.SYNCED)
    script.put(DIRECTORY, email="claire@example.org")  # never published: nothing rescheduled
    assert script.get(DIRECTORY)["status"] == "done"
    script.put(DIRECTORY, displayUniversalDirectory=False)
    info = script.get(DIRECTORY)
    assert (info["status"], info["modificationType"]) == ("todo", "deletion")


def test_bad_types_unknown_properties_and_business_errors_save_nothing(script, line):
    before = script.get(DIRECTORY)
    with pytest.raises(ovh.exceptions.BadParametersError) as raised:
        script.put(DIRECTORY, lineDescription="Standard", displayUniversalDirectory="yes", foo=1, name=None)
    assert str(raised.value).splitlines()[0].strip() == (
        '[displayUniversalDirectory] Expected a boolean, got "yes"; [name] Expected a string, got null; '
        "[foo] Unknown property"
    )
    with pytest.raises(ovh.exceptions.BadParametersError) as raised:
        script.put(DIRECTORY, lineDescription="Standard", legalForm="corporation", siret="73282932000075",
                   socialNomination="Exemple", ape="0000", postCode="13001")  # fmt: skip
    message = str(raised.value)
    assert "[siret] Ce SIRET n'existe pas : sa clé de contrôle est fausse." in message
    assert "[ape] Le code APE/NAF s'écrit avec 4 chiffres et une lettre" in message
    assert "[city] Cette ville ne correspond pas au code postal 13001." in message
    for refused, reason in (
        ({"legalForm": "association"}, "[legalForm] "),
        ({"country": "be"}, "[country] Les lignes sont installées en France"),
        ({"cedex": "CEDEX 9"}, "[cedex] Une adresse CEDEX"),
        ({"birthDate": "1980-01-01"}, "[birthDate] Nous ne conservons pas"),
        ({"lineDescription": "www.exemple.fr"}, "[lineDescription] Les annuaires refusent la publicité"),
    ):
        with pytest.raises(
            ovh.exceptions.BadParametersError, match=reason.replace("[", r"\[").replace("]", r"\]")
        ):
            script.put(DIRECTORY, **{"lineDescription": "Standard", **refused})
    assert script.get(DIRECTORY) == before
    assert not ServiceChange.objects.filter(service=line).exists()


def test_an_empty_put_is_a_no_op_and_a_terminated_service_is_refused(script, line):
    assert script.put(DIRECTORY) is None
    Service.objects.filter(pk=line.pk).update(state=Service.State.TERMINATED, terminated_at=timezone.now())
    with pytest.raises(ovh.exceptions.BadParametersError, match=r"\[serviceName\] Ce service est résilié"):
        script.put(DIRECTORY, lineDescription="Standard")


def test_the_helper_routes(api_base, application, line, alice):
    rules = [
        *READ_AND_WRITE,
        {"method": "POST", "path": "/telephony/*/directory/fetchEntrepriseInformations"},
    ]
    script = client_for(application, authorised_key(application, alice, rules=rules))
    way_types = script.get(DIRECTORY + "/getWayTypes")
    assert {"abbreviatedName": "R", "wayName": "RUE"} in way_types and len(way_types) == 15
    assert script.get(DIRECTORY + "/getDirectoryServiceCode", apeCode="62.01Z") == []
    assert script.get(DIRECTORY + "/getDirectoryServiceCode", apeCode="0000Z") == []  # in no nomenclature
    with pytest.raises(ovh.exceptions.BadParametersError, match=r"\[apeCode\]"):
        script.get(DIRECTORY + "/getDirectoryServiceCode", apeCode="62")
    lookup = DIRECTORY + "/fetchEntrepriseInformations"
    unknown = script.post(lookup, entrepriseNumber="73282932000074")["informations"]
    assert (unknown["isValid"], unknown["name"], unknown["siren"]) == (True, "", "732829320")
    assert "nous ne connaissons pas" in unknown["message"]
    other = factories.make_service(alice, number="+33199000304")
    factories.make_contact_details(other, factories.COMPANY_DETAILS)
    known = script.post(lookup, entrepriseNumber="732 829 320 00074")
    assert known["status"] == "done" and known["informations"]["name"] == "Exemple SA"
    assert script.post(lookup, entrepriseNumber="123")["informations"]["isValid"] is False


def test_a_companys_details_known_only_to_another_customer_are_never_told(
    api_base, application, alice, line, bob
):
    rules = [{"method": "POST", "path": "/telephony/*"}]
    script = client_for(application, authorised_key(application, alice, rules=rules))
    theirs = factories.make_service(bob, number="+33199000305")
    factories.make_contact_details(theirs, factories.COMPANY_DETAILS)
    answer = script.post(DIRECTORY + "/fetchEntrepriseInformations", entrepriseNumber="73282932000074")
    assert answer["informations"]["name"] == "" and answer["informations"]["address"] is None


def test_every_answer_is_json_with_a_query_id_even_for_a_wrong_path_or_method(script):
    with pytest.raises(ovh.exceptions.ResourceNotFoundError, match="Got an invalid") as raised:
        script.get("/telephony/a/b/c/d/e/f")
    assert raised.value.response.headers["X-Ovh-QueryId"].startswith("TP-")
    with pytest.raises(ovh.exceptions.APIError, match="Method not allowed") as raised:
        script.delete("/telephony")
    assert raised.value.response.status_code == 405 and raised.value.response.headers["Allow"] == "GET"
    assert "OVH-Query-ID: TP-" in str(raised.value)


def test_two_identical_calls_in_the_same_second_are_both_answered(script):
    """No nonce in the contract: a repeated signature is legitimate (1.2, Replays)."""
    script._time_delta = 0
    assert script.get("/telephony") == script.get("/telephony")


def test_the_consent_flow_from_the_clients_request_to_the_first_call(api_base, application, alice, line):
    script = client_for(application)
    asked = script.request_consumerkey(READ_AND_WRITE, "https://script.example/fini")
    assert asked["state"] == "pendingValidation" and asked["consumerKey"] not in asked["validationUrl"]
    assert script.get("/auth/currentCredential")["status"] == "pendingValidation"
    with pytest.raises(ovh.exceptions.InvalidCredential):
        script.get("/telephony")
    key = ConsumerKey.objects.get()
    consumer_key_decide(consumer_key=key, owner=alice, authorise=True, validity="30d")
    assert script.get("/telephony") == [ACCOUNT]
    current = script.get("/auth/currentCredential")
    assert current["status"] == "validated" and current["expiration"] is not None


def test_a_malformed_credential_request_is_refused_as_the_client_reports_it(api_base, application):
    script = client_for(application)
    with pytest.raises(ovh.exceptions.BadParametersError, match="accessRules isn't formated correctly"):
        script.request_consumerkey([{"method": "PATCH", "path": "/telephony"}])
    with pytest.raises(ovh.exceptions.BadParametersError, match="accessRules"):
        script.post("/auth/credential", _need_auth=False)
    with pytest.raises(ovh.exceptions.BadParametersError, match=r"\[allowedIPs\]"):
        script.request_consumerkey(READ_AND_WRITE, allowedIPs=["not-an-address"])
    with pytest.raises(ovh.exceptions.BadParametersError, match=r"\[redirection\]"):
        script.request_consumerkey(READ_AND_WRITE, "javascript:alert(1)")
    assert not ConsumerKey.objects.exists()


# --- The example script (customer_api/example_script.py) -----------------------------------------


def run_example(monkeypatch, application, consumer_key=None) -> int:
    monkeypatch.setenv("OVH_APPLICATION_KEY", application.application.key)
    monkeypatch.setenv("OVH_APPLICATION_SECRET", application.secret)
    monkeypatch.setenv("TELECOM_PANEL_API", ovh.client.ENDPOINTS["ovh-eu"])
    if consumer_key:
        monkeypatch.setenv("OVH_CONSUMER_KEY", consumer_key)
    else:
        monkeypatch.delenv("OVH_CONSUMER_KEY", raising=False)
    return example_script.main()


def test_the_example_script_asks_for_a_key_then_fills_only_the_lines_without_details(
    api_base, application, alice, line, monkeypatch, capsys
):
    bare = factories.make_service(alice, number="+33199000307")
    assert run_example(monkeypatch, application) == 0
    asked = capsys.readouterr().out
    assert "/compte/api/autorisation/?credentialToken=" in asked
    key = ConsumerKey.objects.get()
    assert key.rules == example_script.ACCESS_RULES
    consumer_key_decide(consumer_key=key, owner=alice, authorise=True)
    printed = asked.split("export OVH_CONSUMER_KEY=")[1].split()[0]

    assert run_example(monkeypatch, application, printed) == 0
    out = capsys.readouterr().out
    assert (
        "0033199000307 : coordonnées remplies" in out and "Terminé : 1 ligne(s) complétée(s), 1 déjà" in out
    )
    assert ContactDetails.objects.get(service=bare).company_name == "Exemple SA"
    assert ContactDetails.objects.get(service=line).last_name == "Durand"  # already complete: untouched

    # A refusal is printed with the server's French message, and the exit status says so.
    other = factories.make_service(alice, number="+33199000308")
    monkeypatch.setitem(example_script.COMPANY, "postCode", "13001")
    assert run_example(monkeypatch, application, printed) == 1
    out = capsys.readouterr().out
    assert "0033199000308 : refusé, [city] Cette ville ne correspond pas au code postal 13001." in out
    assert not ContactDetails.objects.filter(service=other).exists()

    # Revoked on Accès API: the script says the key no longer works.
    ConsumerKey.objects.filter(pk=key.pk).update(state=ConsumerKey.State.EXPIRED)
    assert run_example(monkeypatch, application, printed) == 1
    assert "n'est plus valable" in capsys.readouterr().out


# --- What the review found (each failed before its fix) ------------------------------------------


def test_a_form_body_or_an_oversized_body_is_a_json_4xx_not_a_500(script):
    with pytest.raises(ovh.exceptions.APIError, match="larger than 16384 bytes") as raised:
        script.put(DIRECTORY, lineDescription="x" * 20_000)  # too large for any DirectoryInfo
    assert raised.value.response.status_code == 413
    import requests

    for content_type in ("multipart/form-data; boundary=x", "application/x-www-form-urlencoded"):
        answer = requests.post(f"{ovh.client.ENDPOINTS['ovh-eu']}/auth/logout", data=b"--x--",
                               headers={"Content-Type": content_type}, timeout=10)  # fmt: skip
        assert answer.status_code in (400, 403) and answer.headers["Content-Type"] == "application/json", (
            content_type, answer.status_code, answer.text[:200])  # fmt: skip


def test_an_overseas_number_in_its_national_form_and_an_odd_number_are_found(script, alice):
    factories.make_service(alice, number="+262262123456")
    for name in ("0262123456", "0262 12 34 56", "00262262123456", "+262262123456"):
        assert script.get(f"/telephony/{ACCOUNT}/service/{name}")["serviceName"] == "00262262123456"
    factories.make_service(alice, number="+441632960000")  # valid for no region of +44
    assert script.get(f"/telephony/{ACCOUNT}/service/00441632960000")["country"] == "gb"


def test_an_address_that_keeps_failing_is_told_to_wait(api_base, application, alice, line, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = 3
    guesser = client_for(application, "K" * 32)
    for _ in range(3):
        with pytest.raises(ovh.exceptions.NotCredential):
            guesser.get("/telephony")
    with pytest.raises(ovh.exceptions.APIError, match="Too many requests") as raised:
        guesser.get("/telephony")
    assert raised.value.response.status_code == 429
