"""Who may see what: every URL pattern of the project, admin and operator API included, in one
matrix (issue 10, isolation).

Each row says who may open the pattern and what the entitled caller gets, for every method the
view declares:
- PUBLIC: anyone, signed in or not (sign-in, password reset, the public directory, i18n);
- SIGNED_IN: any signed-in customer, on their own account only (nothing in the URL names anyone);
- OWNER: the customer who owns the object the URL names (a service by its number, a history
  entry, a billing account, a bulk-apply job...); anybody else gets 404 (or 403), never 200;
- STAFF: the Django admin; an anonymous visitor or a customer is sent to the admin login;
- API: the operator's systems, with a bearer token carrying the endpoint's scope;
- CUSTOMER_API: the customers' OVHcloud-compatible API, under /1.0/ and its alias /v1/: a request
  signed with a consumer key its customer authorised acts on that customer's own accounts and
  numbers only (another's is the very 404 of one that does not exist); no signature, a panel
  session, or one application's key with another's consumer key is a 403. Its lookups, its OpenAPI
  document and its JSON 404s are public.

Two customers, A and B, each with services, contact details, publication choices and history,
are built through the project's own services (A's listing synced into the public directory, B
unlisted). Requests are made as an anonymous visitor, as A on A's objects (must succeed), as A on
B's objects (404/403, and the body holds none of B's number, name, address, SIRET, e-mail or
account), as a customer on admin URLs (admin login), and without or with a wrong token on the API
(401, 403 for a token without the scope). Every POST is CSRF-valid, and none made on B's objects
by anyone but B or staff changes any of B's rows.

The matrix must name every URL pattern: a new pattern fails `test_the_matrix_names_every_url_pattern`
until someone decides who may see it.
"""

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from customer_api.models import ApiApplication, ConsumerKey
from customer_api.services import api_application_create, consumer_key_decide, consumer_key_request
from customer_api.signing import signature
from directory.models import Listing, Publication, SyncRun
from directory.sync import directory_sync_run
from lines.models import BillingAccount, ContactDetails, PortOutCheck, Service, ServiceChange
from lines.portability import port_out_check
from lines.services import bulk_apply_job_process, bulk_apply_start, contact_details_apply
from tests.factories import (
    COMPANY_DETAILS,
    INDIVIDUAL_DETAILS,
    PASSWORD,
    make_customer,
    make_service,
    make_staff,
)

pytestmark = pytest.mark.django_db

PUBLIC, SIGNED_IN, OWNER, STAFF, API = "public", "signed in", "owner", "staff", "api"
CUSTOMER_API = "customer api"
SAFE = ("GET", "HEAD")
TRIED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS")
CSRF = "k" * 32  # a valid CSRF secret: set as the cookie and posted back, as a browser would
TOKENS = ["secours:urgence:t0ken-urgence", "guichet:portabilite:t0ken-portabilite"]
SCOPE_TOKEN = {"urgence": "t0ken-urgence", "portabilite": "t0ken-portabilite"}
NEW_PASSWORD = "Un tout autre mot de passe 2026 !"

B_DETAILS = {
    **COMPANY_DETAILS,
    "siret": "44306184100047",
    "company_name": "Quincaillerie Zorglub",
    "email": "zorglub@exemple.fr",
    "street_number": 7,
    "street_type": "rue",
    "street_name": "Garibaldi",
    "postcode": "69003",
    "city": "Lyon",
}


# --- the two customers ---------------------------------------------------------------------------


@dataclass
class Side:
    """One customer and what they own."""

    user: object
    account: BillingAccount
    line: Service  # a line with contact details, publication and history
    sibling: Service  # another number of the same account, the target of "apply to others"
    details: dict
    edit: dict  # a valid edit of `line` that changes its holder's name
    change: ServiceChange = None
    job: object = None  # a bulk apply job (lines.BulkApplyJob) of this customer, done
    port_check: PortOutCheck = None
    application: ApiApplication = None  # an API application of this customer (Accès API)
    key: ConsumerKey = None  # a key of that application, authorised by this customer
    token: str = ""  # the consent link's token of another key of it, still pending
    secret: str = ""  # the application's secret (AS), which signs its requests
    consumer_key: str = ""  # `key` in clear (CK), as the application holds it
    leaks: tuple = ()  # what of this customer no one else may ever read

    @property
    def digits(self):
        return self.line.number_digits


@dataclass
class World:
    a: Side
    b: Side
    support: object
    superuser: object
    run: SyncRun
    extra: dict = field(default_factory=dict)  # objects that later rows need (jobs, devices...)


def _form_data(details, **publication):
    data = {name: ("" if value is None else str(value)) for name, value in details.items()}
    data.update({"country": "FR", "listed": "False", "marketing_accepted": "False", "reverse_search": "False",
                 "name_display": "full", "address_display": "full", "line_designation": ""})  # fmt: skip
    data.update({name: str(value) for name, value in publication.items()})
    return data


def _side(username, reference, numbers, details, edit, publication):
    user = make_customer(username, reference=reference)
    user.email = f"{username}@exemple.fr"
    user.save(update_fields=["email"])
    account = user.billing_accounts.get()
    line = make_service(user, kind=Service.Kind.LINE, number=numbers[0])
    sibling = make_service(user, kind=Service.Kind.NUMBER, number=numbers[1])
    contact_details_apply(service=line, details=details, publication=publication, actor=user)
    side = Side(user=user, account=account, line=line, sibling=sibling, details=details,
                edit=_form_data({**details, **edit}, **publication))  # fmt: skip
    side.change = line.changes.get()
    # "Apply to other services": a job, run here (the request's task runs once its transaction
    # commits, which a test's never does).
    side.job = bulk_apply_start(source=line, targets=[sibling], actor=user)
    bulk_apply_job_process(side.job.pk)
    return side


@pytest.fixture
def world(settings, communes):
    settings.OPERATOR_API_TOKENS = TOKENS
    cache.clear()
    a = _side("alice", "al10001-1", ("+33972100001", "+33972100002"), INDIVIDUAL_DETAILS,
              {"last_name": "Martin"}, {"listed": True, "reverse_search": True})  # fmt: skip
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)  # A's listing reaches /annuaire/
    b = _side("bob", "bo20002-1", ("+33973300001", "+33973300002"), B_DETAILS,
              {"company_name": "Mallory SARL"}, {"listed": False})  # fmt: skip
    assert (
        Listing.objects.filter(service=a.line).exists()
        and not Listing.objects.filter(service=b.line).exists()
    )
    for side in (a, b):
        side.port_check = PortOutCheck.objects.get(pk=_port_check(side.line))
    _api_access(a, "Script d'Alice")
    _api_access(b, "Facturation Zorglub")
    b.leaks = ("33973300001", "09 73 30 00 01", "33973300002", "09 73 30 00 02", "Zorglub", "Garibaldi",
               "44306184100047", "zorglub@exemple.fr", "bo20002-1", "bob@exemple.fr", b.application.key,
               b.secret, b.consumer_key)  # fmt: skip
    support = make_staff("sam", group="support")
    superuser = get_user_model().objects.create_superuser("root", password=PASSWORD)
    yield World(a=a, b=b, support=support, superuser=superuser, run=run)
    cache.clear()


def _api_access(side, name):
    """An API application of the customer, a key they authorised (to read, edit and look up all
    their telephony), and a pending key's consent link."""
    rules = [
        {"method": method, "path": path}
        for method in ("GET", "POST", "PUT")
        for path in ("/telephony", "/telephony/*")
    ]
    created = api_application_create(owner=side.user, name=name)
    side.application, side.secret = created.application, created.secret
    new = consumer_key_request(application=side.application, rules=rules)
    side.key = consumer_key_decide(
        consumer_key=new.consumer_key, owner=side.user, authorise=True, validity="1d"
    )
    side.consumer_key = new.key
    side.token = consumer_key_request(application=side.application, rules=rules).credential_token


def _port_check(service):
    port_out_check(number=str(service.number), rio="", channel="api", checked_by="test")
    return PortOutCheck.objects.filter(service=service).latest("at").pk


def rows_of(side) -> dict:
    """Every row that belongs to one customer, and the count of the shared logs: what a request
    made by anyone else must leave exactly as it was."""
    services = Service.objects.filter(billing_account__owner=side.user)

    def rows(queryset):
        return list(queryset.order_by("pk").values())

    snapshot = {
        "user": rows(get_user_model().objects.filter(pk=side.user.pk).defer("last_login")),
        "accounts": rows(BillingAccount.objects.filter(owner=side.user)),
        "services": rows(services),
        "details": rows(ContactDetails.objects.filter(service__in=services)),
        "publications": rows(Publication.objects.filter(service__in=services)),
        "history": rows(ServiceChange.objects.filter(service__in=services)),
        "port_checks": rows(PortOutCheck.objects.filter(service__in=services)),
        "listings": rows(Listing.objects.filter(service__in=services)),
        "api_applications": rows(ApiApplication.objects.filter(owner=side.user)),
        "api_keys": rows(ConsumerKey.objects.filter(Q(owner=side.user) | Q(application__owner=side.user))),
        "sync_runs": SyncRun.objects.count(),
        "admin_log": LogEntry.objects.count(),
    }
    snapshot["user"][0].pop("last_login", None)
    for label in ("lines.BulkApplyJob", "otp_totp.TOTPDevice"):  # what the panel grew since
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        owner = "owner" if any(f.name == "owner" for f in model._meta.fields) else "user"
        snapshot[label] = rows(model.objects.filter(**{owner: side.user}))
    return snapshot


# --- requests ------------------------------------------------------------------------------------


def browser(user=None) -> Client:
    """A client that checks CSRF like a browser's request would be checked, holding a valid token."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    return client


def send(client, method, url, data=None, **headers):
    if method == "POST":
        if isinstance(data, bytes | str):  # a JSON body (the API)
            return client.generic("POST", url, data, content_type="application/json", **headers)
        return client.post(url, {**(data or {}), "csrfmiddlewaretoken": CSRF}, **headers)
    return client.generic(method, url, **headers)


def assert_no_leak(response, side, context=""):
    body = response.content.decode("utf-8", "replace")
    found = [text for text in side.leaks if text in body]
    assert not found, f"{context}: the response shows {found} of another customer"


def assert_redirects_to(response, name, context=""):
    assert response.status_code == 302, f"{context}: {response.status_code}, expected a redirect to {name}"
    assert response["Location"].split("?")[0] == reverse(name), (
        f"{context}: redirected to {response['Location']}"
    )


def status_ok(status, expected):
    return status in expected if isinstance(expected, set | tuple) else status == expected


def signed_by(application_side, key_side) -> dict:
    """The headers' makings: one side's application (its key and secret) with a side's consumer key."""
    application = application_side.application.key
    return {"application": application, "secret": application_side.secret, "consumer": key_side.consumer_key}


def api_send(method, url, body=b"", who=None, application="", secret="", consumer=""):
    """A request to the customer API, signed as the official clients sign it when `consumer` is
    given (over the full URL the server sees and the exact body), from a browser holding `who`'s
    panel session."""
    headers = {"HTTP_X_OVH_APPLICATION": application} if application else {}
    if consumer:
        timestamp = str(int(time.time()))
        signed = signature(application_secret=secret, consumer_key=consumer, method=method,
                           url="http://testserver" + url, body=body, timestamp=timestamp)  # fmt: skip
        headers.update(
            HTTP_X_OVH_CONSUMER=consumer, HTTP_X_OVH_TIMESTAMP=timestamp, HTTP_X_OVH_SIGNATURE=signed
        )
    return browser(who).generic(method, url, body, content_type="application/json", **headers)


def api_answer(response, status, context, error=""):
    """The API answers in JSON, errors included, with a query id; `error` is the expected errorCode."""
    assert status_ok(response.status_code, status), (context, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), (context, response["Content-Type"])
    assert response["X-Ovh-QueryId"].startswith("TP-"), context
    if error:
        assert response.json()["errorCode"] == error, (context, response.json())
    return response.json() if response.content else None


def assert_no_leak_but_echo(response, side, echoed, context=""):
    """assert_no_leak, once what the caller sent itself (an id the answer names back) is taken out."""
    body = response.content.decode("utf-8", "replace")
    for text in echoed:
        body = body.replace(text, "")
    found = [text for text in side.leaks if text in body]
    assert not found, f"{context}: the response shows {found} of another customer"


# --- the matrix ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    access: str
    # method -> status the entitled caller gets on their own object (or a set of acceptable ones)
    expect: dict
    url: Callable = None  # (world, side) -> URL of that side's object
    data: Callable = None  # (world, side) -> POST data acting on that side's object
    scope: str = ""  # API: the scope the token must carry
    signed_in: dict = None  # PUBLIC: what a signed-in customer gets instead, when it differs
    foreign: object = None  # PUBLIC: status on B's object (a reset link, a name search), if not `expect`
    marker: Callable = None  # (side) -> text the entitled caller's page shows (a positive control)
    extra: Callable = None  # (world) -> further checks of this row (cross-owner data in the body...)
    api: "ApiRoute" = None  # CUSTOMER_API: the route, and what its path names


def fixed(name, query=""):
    return lambda w, side: reverse(name) + query


def by_number(name):
    return lambda w, side: reverse(name, args=[side.digits])


def national(side):
    return side.line.national_number


def _edit_data(w, side):
    return side.edit


def _bulk_data(w, side):
    return {"source": side.digits, "targets": [side.sibling.number_digits]}


def _reset_link(w, side):
    uid = urlsafe_base64_encode(force_bytes(side.user.pk))
    token = default_token_generator.make_token(side.user) if side is w.a else "bad-token0000000000"
    return reverse("password_reset_confirm", args=[uid, token])


# Extra checks: cross-owner references that the plain "A on B's URL" request does not cover.


def _changes_of_another_service(w):
    """A history entry is found through the service in the URL: B's entry under A's number is
    a 404 too, and so is A's entry under B's number."""
    client = browser(w.a.user)
    for number, change in ((w.a.digits, w.b.change), (w.b.digits, w.a.change)):
        response = client.get(reverse("service_change", args=[number, change.pk]))
        assert response.status_code == 404 and not any(t in response.content.decode() for t in w.b.leaks)


def _history_of_a_former_owner(w):
    """Support moves an account of B's to A: A reads the history of A's own time only. B's
    entries show their date and kind, never a value or an author; opening one is a 404."""
    account = BillingAccount.objects.create(owner=w.b.user, reference="bo20002-2", label="Reprise")
    service = Service.objects.create(billing_account=account, kind=Service.Kind.LINE, number="+33973300009")
    contact_details_apply(service=service, details=B_DETAILS, publication={"listed": False}, actor=w.b.user)
    earlier = service.changes.get()
    ServiceChange.objects.filter(pk=earlier.pk).update(at=earlier.at - timedelta(days=1))
    account.owner = w.a.user
    account.save()
    client = browser(w.a.user)
    response = client.get(reverse("service_history", args=[service.number_digits]))
    assert response.status_code == 200
    assert_no_leak(response, Side(**{**vars(w.b), "leaks": ("Zorglub", "Garibaldi", "44306184100047",
                                                            "zorglub@exemple.fr", "bob")}), "history after a move")  # fmt: skip
    response = client.get(reverse("service_change", args=[service.number_digits, earlier.pk]))
    assert response.status_code == 404


def _targets_of_another_customer(w):
    """Applying A's details to "other services" never reaches B's, whatever A posts: the job
    records A's own services only, and B's rows are the same once it has run."""
    from lines.models import BulkApplyJob

    before = rows_of(w.b)
    client = browser(w.a.user)
    foreign = [w.b.digits, w.b.sibling.number_digits, f"+{w.b.digits}", str(w.b.line.pk), str(w.b.sibling.pk)]
    own = w.a.sibling.number_digits
    posts = (
        (reverse("bulk_apply"), {"source": w.a.digits, "targets": foreign}, 200),  # nothing of A's checked
        (reverse("bulk_apply"), {"source": w.a.digits, "targets": [*foreign, own]}, 303),
        (reverse("bulk_apply"), {"source": w.a.digits, "apply_to_all": "on", "targets": foreign}, 303),
        (reverse("service_contact_edit", args=[w.a.digits]), {**w.a.edit, "targets": foreign}, 302),
        (reverse("service_contact_edit", args=[w.a.digits]), {**w.a.edit, "targets": [*foreign, own]}, 303),
    )
    for url, data, status in posts:
        jobs = set(BulkApplyJob.objects.values_list("pk", flat=True))
        response = send(client, "POST", url, data)
        assert response.status_code == status, (url, data, response.status_code)
        assert_no_leak(response, w.b, f"POST {url} with B's numbers as targets")
        for job in BulkApplyJob.objects.exclude(pk__in=jobs):
            assert set(job.targets.values_list("service_id", flat=True)) == {w.a.sibling.pk}
            bulk_apply_job_process(job.pk)
            assert_no_leak(client.get(reverse("bulk_apply_job", args=[job.pk])), w.b, "the job's page")
    assert rows_of(w.b) == before


def _list_shows_only_own(w):
    client = browser(w.a.user)
    # Probes that a page may echo in its search box without showing any of B's own values.
    for query in ("", "?q=09.73.30.00.01", "?q=Zorgl", "?q=%2B33.973", "?q=Garib"):
        response = client.get(reverse("service_list") + query)
        assert response.status_code == 200
        assert_no_leak(response, w.b, f"service list {query}")


def _wrong_password_for_b(w):
    before = rows_of(w.b)
    for name in ("login", "admin:login"):
        client = browser()
        response = send(client, "POST", reverse(name), {"username": "bob", "password": "not bob's"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert_no_leak(response, w.b, name)
    assert rows_of(w.b) == before
    response = send(browser(), "POST", reverse("admin:login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302, "staff signs in to the admin"


def _reset_for_b_says_nothing(w):
    """The reset form answers an unknown address and B's address alike, and B's password stays."""
    before = rows_of(w.b)
    known = send(browser(), "POST", reverse("password_reset"), {"email": "bob@exemple.fr"})
    unknown = send(browser(), "POST", reverse("password_reset"), {"email": "nobody@exemple.fr"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert rows_of(w.b) == before


def _reverse_search_hides_the_unlisted(w):
    client = browser()
    response = client.get(reverse("directory_reverse"), {"numero": "09.73.30.00.01"})
    assert response.status_code == 200
    assert_no_leak(response, w.b, "reverse search of B's number")
    response = client.get(reverse("directory_reverse"), {"numero": w.a.line.national_number})
    assert "Durand" in response.content.decode(), "A accepted the reverse directory"


def _operator_scopes(w):
    """A token for the porting desk does not read emergency addresses."""
    url = reverse("api_emergency_location", args=[w.b.digits])
    response = browser().get(url, HTTP_AUTHORIZATION="Bearer t0ken-portabilite")
    assert response.status_code == 403
    assert_no_leak(response, w.b, "emergency API with the porting desk's token")


def _access_shows_only_own(w):
    response = browser(w.a.user).get(reverse("api_access"))
    assert "Script d'Alice" in response.content.decode("utf-8", "replace").replace("&#x27;", "'")
    assert_no_leak(response, w.b, "Accès API")
    own = set(ConsumerKey.objects.filter(application=w.a.application).values_list("pk", flat=True))
    assert {row["key"].pk for row in response.context["rows"]} == own  # authorised, and pending


def _unknown_consent_link(w):
    for token in ("", "inconnu", w.b.token + "x"):
        response = browser(w.a.user).get(reverse("api_consent") + "?credentialToken=" + token)
        assert response.status_code == 404, token
        assert_no_leak(response, w.b, "consent link")


OUR_ROWS = {
    # Sign-in, sign-out, language: anyone.
    "login": Row(PUBLIC, {"GET": 200, "HEAD": 200, "POST": 302}, url=fixed("login"),
                 data=lambda w, side: {"username": side.user.username, "password": PASSWORD},
                 signed_in={"GET": 302, "HEAD": 302, "POST": 302}, extra=_wrong_password_for_b),
    # Django's LogoutView also answers OPTIONS (with its Allow header), which tells nothing.
    "logout": Row(PUBLIC, {"POST": 302, "OPTIONS": 200}, url=fixed("logout")),
    "set_language": Row(PUBLIC, {"GET": 302, "POST": 302}, url=fixed("set_language", "?next=/annuaire/"),
                        data=lambda w, side: {"language": "en", "next": "/annuaire/"}),
    # Health for load balancers: anyone, no personal data (readyz is 503 without a Celery worker
    # when REDIS_URL is set, as in CI).
    "healthz": Row(PUBLIC, {"GET": 200, "HEAD": 200}, url=fixed("healthz")),
    "readyz": Row(PUBLIC, {"GET": {200, 503}, "HEAD": {200, 503}}, url=fixed("readyz")),
    # Metrics: by network, not by account (the test client comes from 127.0.0.1, which is allowed).
    "metrics": Row(PUBLIC, {"GET": 200, "HEAD": 200}, url=fixed("metrics")),
    # The public directory: anyone; B is unlisted, so nothing of B shows, whoever searches for B.
    "directory_search": Row(PUBLIC, {"GET": 200, "HEAD": 200},
                            url=lambda w, side: reverse("directory_search") + "?nom=" + ("Durand" if side is w.a else "Zorgl"),
                            marker=lambda side: "Durand", extra=_reverse_search_hides_the_unlisted),
    "directory_reverse": Row(PUBLIC, {"GET": 200, "HEAD": 200},
                             url=lambda w, side: reverse("directory_reverse") + "?numero="
                             + ".".join(national(side)[i : i + 2] for i in range(0, 14, 3))),
    # The customer's own account (password, second factor): the session says whose.
    "account_security": Row(SIGNED_IN, {"GET": 200, "HEAD": 200}, url=fixed("account_security")),
    # A postcode's communes for the contact form: reference data, no one's personal data.
    "postcode_communes": Row(SIGNED_IN, {"GET": 200, "HEAD": 200},
                             url=lambda w, side: reverse("postcode_communes", args=["75011"])),
    "otp_start": Row(SIGNED_IN, {"POST": {302, 303}}, url=fixed("otp_start")),
    "otp_setup": Row(SIGNED_IN, {"GET": 200, "HEAD": 200, "POST": 200}, url=fixed("otp_setup"),
                     data=lambda w, side: {"otp_token": "123456"}),
    "otp_verify": Row(SIGNED_IN, {"GET": 200, "HEAD": 200, "POST": 200}, url=fixed("otp_verify"),
                      data=lambda w, side: {"otp_token": "123456"}),
    "otp_disable": Row(SIGNED_IN, {"POST": 302}, url=fixed("otp_disable"),
                       data=lambda w, side: {"otp_token": "123456"}),
    "email_preferences": Row(SIGNED_IN, {"POST": 302}, url=fixed("email_preferences"),
                             data=lambda w, side: {"language": "en", "details_reminders": "on"}),
    "password_change": Row(SIGNED_IN, {"GET": 200, "HEAD": 200, "POST": 302}, url=fixed("password_change"),
                           data=lambda w, side: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                 "new_password2": NEW_PASSWORD}),
    "password_change_done": Row(SIGNED_IN, {"GET": 200, "HEAD": 200}, url=fixed("password_change_done")),
    "password_reset": Row(PUBLIC, {"GET": 200, "HEAD": 200, "POST": 302}, url=fixed("password_reset"),
                          data=lambda w, side: {"email": side.user.email}, extra=_reset_for_b_says_nothing),
    "password_reset_done": Row(PUBLIC, {"GET": 200, "HEAD": 200}, url=fixed("password_reset_done")),
    # A reset link names its user: only its valid token opens it; with B's id and any other
    # token the page says the link is invalid, and a new password posted there is not taken.
    "password_reset_confirm": Row(PUBLIC, {"GET": 302, "HEAD": 302, "POST": 302}, url=_reset_link,
                                  data=lambda w, side: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                                  foreign=200),
    "password_reset_complete": Row(PUBLIC, {"GET": 200, "HEAD": 200}, url=fixed("password_reset_complete")),
    # Accès API: the customer's own applications and keys; anybody else's is a 404.
    "api_access": Row(SIGNED_IN, {"GET": 200, "HEAD": 200}, url=fixed("api_access"), extra=_access_shows_only_own),
    "api_application_create": Row(SIGNED_IN, {"GET": 200, "HEAD": 200, "POST": 200},
                                  url=fixed("api_application_create"), data=lambda w, side: {"name": "Script"}),
    "api_application_revoke": Row(OWNER, {"POST": 303},
                                  url=lambda w, side: reverse("api_application_revoke", args=[side.application.pk])),
    "api_key_revoke": Row(OWNER, {"POST": 303}, url=lambda w, side: reverse("api_key_revoke", args=[side.key.pk])),
    # A consent link is a capability: whoever holds it and signs in answers for their own account
    # (the delegation: an application may act for customers other than its owner). Without a
    # valid token, a 404 that names no one.
    "api_consent": Row(SIGNED_IN, {"GET": 200, "HEAD": 200, "POST": 303},
                       url=lambda w, side: reverse("api_consent") + "?credentialToken=" + side.token,
                       data=lambda w, side: {"validity": "1d", "decision": "autoriser"}, extra=_unknown_consent_link),
    # How to use the API: public, to be read before signing up.
    "api_help": Row(PUBLIC, {"GET": 200, "HEAD": 200}, url=fixed("api_help")),
    # The panel: signed in, and only one's own services, accounts and history.
    "home": Row(SIGNED_IN, {"GET": 302, "HEAD": 302}, url=fixed("home")),
    "service_list": Row(OWNER, {"GET": 200, "HEAD": 200},
                        url=lambda w, side: reverse("service_list") + "?compte=" + side.account.reference,
                        marker=national, extra=_list_shows_only_own),
    "bulk_apply": Row(OWNER, {"GET": 200, "HEAD": 200, "POST": 303},
                      url=lambda w, side: reverse("bulk_apply") + "?source=" + side.digits, data=_bulk_data,
                      marker=national, extra=_targets_of_another_customer),
    "bulk_apply_job": Row(OWNER, {"GET": 200, "HEAD": 200},
                          url=lambda w, side: reverse("bulk_apply_job", args=[side.job.pk]),
                          marker=lambda side: side.sibling.national_number),
    "service_overview": Row(OWNER, {"GET": 200, "HEAD": 200}, url=by_number("service_overview"), marker=national),
    "service_contact": Row(OWNER, {"GET": 200, "HEAD": 200}, url=by_number("service_contact"),
                           marker=lambda side: side.details["street_name"]),
    "service_contact_edit": Row(OWNER, {"GET": 200, "HEAD": 200, "POST": 302}, url=by_number("service_contact_edit"),
                                data=_edit_data, marker=national),
    "service_emergency": Row(OWNER, {"GET": 200, "HEAD": 200}, url=by_number("service_emergency"),
                             marker=lambda side: side.details["street_name"]),
    "service_history": Row(OWNER, {"GET": 200, "HEAD": 200}, url=by_number("service_history"), marker=national),
    "service_change": Row(OWNER, {"GET": 200, "HEAD": 200},
                          url=lambda w, side: reverse("service_change", args=[side.digits, side.change.pk]),
                          marker=national,
                          extra=lambda w: (_changes_of_another_service(w), _history_of_a_former_owner(w))),
    # The operator's systems: a bearer token with the endpoint's scope, whatever the session.
    "api_emergency_location": Row(API, {"GET": 200}, scope="urgence", url=by_number("api_emergency_location"),
                                  extra=_operator_scopes),
    "api_port_out_check": Row(API, {"POST": 200}, scope="portabilite", url=fixed("api_port_out_check"),
                              data=lambda w, side: json.dumps({"number": side.digits, "rio": "", "name": "Zorglub"})),
}  # fmt: skip


# --- the customer API -----------------------------------------------------------------------------
# The OVHcloud-compatible API (customer_api), mounted twice: under /1.0/ (namespace customer_api) and
# /v1/ (customer_api_v1), every route in both; anything else under these prefixes is a JSON 404.

API_NAMESPACES = ("customer_api", "customer_api_v1")
ABSENT_ACCOUNT, ABSENT_NUMBER = "zz99999-1", "0033199999999"  # nobody's
ACCOUNT, SERVICE = ("billingAccount",), ("billingAccount", "serviceName")
SIGNED, APPLICATION_KEY, OPEN = "signed", "application key", "open"
PIRACY = json.dumps({"lineDescription": "Piratage"}).encode()  # a valid edit of a directory entry
LOOKUP = json.dumps({"entrepriseNumber": "73282932000074"}).encode()  # a valid SIRET none of A's lines has
CREDENTIAL = json.dumps({"accessRules": [{"method": "GET", "path": "/telephony"}]}).encode()


def service_name(side) -> str:
    return "00" + side.digits


@dataclass(frozen=True)
class ApiRoute:
    name: str  # the route's name in customer_api.api
    names: tuple = ()  # what its path names: (), ACCOUNT or SERVICE
    query: str = ""  # "{service}" is the side's number, as the API names it
    body: dict = field(default_factory=dict)  # method -> the exact bytes sent
    auth: str = SIGNED  # SIGNED, APPLICATION_KEY (the key alone, POST /auth/credential) or OPEN
    namespace: str = "customer_api"
    paths: tuple = ()  # fixed URLs instead of the route's (the JSON 404 of unknown paths)

    def url(self, account="", service="") -> str:
        if self.paths:
            return self.paths[0]
        kwargs = dict(zip(self.names, (account, service), strict=False))
        return reverse(f"{self.namespace}:{self.name}", kwargs=kwargs) + self.query.format(service=service)

    def of(self, side) -> str:
        return self.url(side.account.reference, service_name(side))

    def foreign(self, w) -> list:
        """What A may name of B's, each with what names an absent object in the same place: B's
        account (with B's number, then A's, under it), and B's numbers under A's account (as 00…
        and as +…)."""
        a_account, b_account = w.a.account.reference, w.b.account.reference
        if self.names == ACCOUNT:
            return [((b_account,), (ABSENT_ACCOUNT,))]
        if self.names == SERVICE:
            return [
                ((b_account, service_name(w.b)), (ABSENT_ACCOUNT, ABSENT_NUMBER)),
                ((b_account, service_name(w.a)), (ABSENT_ACCOUNT, service_name(w.a))),
                ((a_account, service_name(w.b)), (a_account, ABSENT_NUMBER)),
                ((a_account, f"+{w.b.sibling.number_digits}"), (a_account, "+" + ABSENT_NUMBER[2:])),
            ]
        return []


def _siret_known_only_to_b(namespace):
    def check(w):
        """B's SIRET looked up through A's own line: a valid SIRET, and nothing of B's company."""
        url = reverse(f"{namespace}:fetch_entreprise", kwargs={"billingAccount": w.a.account.reference,
                                                                "serviceName": service_name(w.a)})  # fmt: skip
        for number in ("44306184100047", "443 061 841 00047"):
            body = json.dumps({"entrepriseNumber": number}).encode()
            answer = api_answer(
                api_send("POST", url, body, **signed_by(w.a, w.a)), 200, f"POST {url} {number}"
            )
            informations = answer["informations"]
            assert informations["isValid"] and (informations["name"], informations["address"]) == ("", None)
            text = json.dumps(answer, ensure_ascii=False)
            assert not [leak for leak in ("Zorglub", "Garibaldi", "69003", "Lyon", "zorglub") if leak in text]

    return check


def _own_directory_edited(namespace):
    def check(w):
        """A's PUT (the row's) was taken: A's directory entry reads it back."""
        url = reverse(f"{namespace}:directory_get", kwargs={"billingAccount": w.a.account.reference,
                                                             "serviceName": service_name(w.a)})  # fmt: skip
        answer = api_answer(api_send("GET", url, **signed_by(w.a, w.a)), 200, f"GET {url}")
        assert answer["lineDescription"] == "Piratage" and answer["number"] == service_name(w.a)

    return check


def _logout_ends_only_the_callers_key(namespace):
    def check(w):
        """Once A logged out, A's key is refused; B's still works."""
        url = reverse(f"{namespace}:billing_accounts")
        api_answer(
            api_send("GET", url, **signed_by(w.a, w.a)), 403, f"GET {url} after logout", "INVALID_CREDENTIAL"
        )
        assert api_answer(api_send("GET", url, **signed_by(w.b, w.b)), 200, f"GET {url} as B") == [
            "bo20002-1"
        ]

    return check


def _customer_api_rows(namespace):
    """The API's rows, for one of its two prefixes."""

    def row(name, expect, access=CUSTOMER_API, **options):
        route = ApiRoute(name, namespace=namespace, **{k: options.pop(k) for k in set(options) & API_OPTIONS})
        return f"{namespace}:{name}", Row(
            access, expect, url=lambda w, side: route.of(side), api=route, **options
        )

    every = dict.fromkeys(TRIED, 404)
    directory = {"GET": 200, "PUT": 200}  # one path: each of the two names answers both methods
    return dict([
        # Its root is no page (ninja's, without docs): a JSON 404 to every method, to anyone.
        row("api-root", every, auth=OPEN, marker=lambda side: "Got an invalid"),
        # The OpenAPI document: public, GET only (customer_api.urls restricts ninja's view).
        row("openapi-json", {"GET": 200}, auth=OPEN, marker=lambda side: '"openapi"'),
        # Lookups without a key: anyone; B's number asks for nothing of B's.
        row("auth_time", {"GET": 200}, auth=OPEN),
        row("cities", {"GET": 200}, auth=OPEN, query="?country=fr&zipCode=69003", marker=lambda side: "Lyon"),
        row("available_zip_codes", {"GET": 200}, auth=OPEN, query="?country=fr&number={service}",
            marker=lambda side: "[]"),
        # A consumer key is asked for with the application's key alone; it acts for no one until
        # a customer authorises it.
        row("auth_credential", {"POST": 200}, auth=APPLICATION_KEY, body={"POST": CREDENTIAL},
            marker=lambda side: "pendingValidation"),
        # The key of the call, and the caller's own accounts: nothing in the URL names anyone.
        row("auth_current_credential", {"GET": 200}, marker=lambda side: "validated"),
        row("billing_accounts", {"GET": 200}, marker=lambda side: f'["{side.account.reference}"]'),
        row("auth_logout", {"POST": 200}, marker=lambda side: "null",
            extra=_logout_ends_only_the_callers_key(namespace)),
        # The caller's own accounts and numbers; anyone else's is the 404 of an absent one.
        row("billing_account", {"GET": 200}, names=ACCOUNT, marker=lambda side: side.account.reference),
        row("services", {"GET": 200}, names=ACCOUNT, marker=service_name),
        row("service", {"GET": 200}, names=SERVICE, marker=service_name),
        row("directory_get", directory, names=SERVICE, body={"PUT": PIRACY},
            marker=lambda side: side.details["last_name"], extra=_own_directory_edited(namespace)),
        row("directory_put", directory, names=SERVICE, body={"PUT": PIRACY},
            marker=lambda side: side.details["last_name"], extra=_own_directory_edited(namespace)),
        row("way_types", {"GET": 200}, names=SERVICE, marker=lambda side: "RUE"),
        row("directory_service_codes", {"GET": 200}, names=SERVICE, query="?apeCode=62.01Z",
            marker=lambda side: "[]"),
        row("fetch_entreprise", {"POST": 200}, names=SERVICE, body={"POST": LOOKUP},
            marker=lambda side: "732829320", extra=_siret_known_only_to_b(namespace)),
    ])  # fmt: skip


API_OPTIONS = {"names", "query", "body", "auth", "paths"}
API_ROWS = {
    # Any other path under either prefix, and any method: a JSON 404 that names nothing (not the
    # panel's HTML page), B's account and number in the path or not.
    "api_not_found": Row(CUSTOMER_API, dict.fromkeys(TRIED, 404),
                         url=lambda w, side: "/1.0/nope", marker=lambda side: "Got an invalid",
                         api=ApiRoute("api_not_found", auth=OPEN, namespace="", paths=(
                             "/1.0/nope", "/v1/nope", "/1.0", "/v1/telephony/bo20002-1/nope",
                             "/1.0/telephony/bo20002-1/service/0033973300001/nope"))),
}  # fmt: skip
for _namespace in API_NAMESPACES:
    API_ROWS.update(_customer_api_rows(_namespace))
OUR_ROWS.update(API_ROWS)


# --- the admin -------------------------------------------------------------------------------------
# Staff only: an anonymous visitor and a customer are sent to the admin login, whatever the method.
# For each registered model, what the support group may do there (README, accounts/permissions.py);
# the expected answers to a support member follow from it. Nobody but a superuser deletes.

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"


@dataclass(frozen=True)
class AdminModel:
    support: frozenset  # what support may do with this model
    obj: Callable  # (world) -> the pk of one of B's objects (or of an object about B)
    change: Callable = None  # (world) -> change-form data that would rewrite B's object
    add: Callable = None  # (world) -> add-form data that would create an object of B's


def _details_change(w):
    return {**w.b.edit, "company_name": "Mallory SARL"}


def _device_of_b(w):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = w.extra.get("device")
    if device is None:
        device = w.extra["device"] = TOTPDevice.objects.create(
            user=w.b.user, name="B's phone", confirmed=False
        )
    return device.pk


def _attempt(w, model="AccessAttempt"):
    """A failed sign-in (not on B: signing B in would reset it, AXES_RESET_ON_SUCCESS)."""
    from django.utils import timezone

    if model in w.extra:
        return w.extra[model]
    name, model = model, apps.get_model("axes", model)
    values = {
        "username": "intrus",
        "ip_address": "192.0.2.1",
        "user_agent": "test",
        "attempt_time": timezone.now(),
    }
    values.update({name: "" for name in ("path_info", "get_data", "post_data", "http_accept")
                   if any(f.name == name for f in model._meta.fields)})  # fmt: skip
    if any(f.name == "failures_since_start" for f in model._meta.fields):
        values["failures_since_start"] = 1
    w.extra[name] = model.objects.create(**values).pk
    return w.extra[name]


def _email_to_b(w):
    """A reminder e-mail to B (what support reads when B asks whether they were told)."""
    from notifications.models import CustomerEmail

    if "email" not in w.extra:
        w.extra["email"] = CustomerEmail.objects.create(
            kind=CustomerEmail.Kind.REMINDER, month=date(2026, 11, 1), user=w.b.user
        ).pk
    return w.extra["email"]


ADMIN_MODELS = {
    ("auth", "group"): AdminModel(frozenset(), lambda w: Group.objects.get(name="support").pk),
    ("accounts", "user"): AdminModel(frozenset({VIEW}), lambda w: w.b.user.pk,
                                     change=lambda w: {"username": "bob", "email": "mallory@exemple.fr"}),
    ("lines", "service"): AdminModel(frozenset({VIEW}), lambda w: w.b.line.pk,
                                     change=lambda w: {"label": "Mallory"}),
    ("lines", "portoutcheck"): AdminModel(frozenset({VIEW}), lambda w: w.b.port_check.pk),
    ("lines", "contactdetails"): AdminModel(frozenset({VIEW, ADD, CHANGE}), lambda w: w.b.line.pk,
                                            change=_details_change,
                                            add=lambda w: {**_details_change(w), "service": w.b.sibling.pk}),
    ("lines", "billingaccount"): AdminModel(frozenset({VIEW}), lambda w: w.b.account.pk,
                                            change=lambda w: {"reference": "bo20002-1", "label": "Mallory",
                                                              "owner": w.a.user.pk}),
    ("directory", "syncrun"): AdminModel(frozenset({VIEW}), lambda w: w.run.pk),
    ("axes", "accessattempt"): AdminModel(frozenset({VIEW, DELETE}), _attempt),
    ("axes", "accesslog"): AdminModel(frozenset(), lambda w: _attempt(w, "AccessLog")),
    ("axes", "accessfailurelog"): AdminModel(frozenset(), lambda w: _attempt(w, "AccessFailureLog")),
    ("otp_totp", "totpdevice"): AdminModel(frozenset(), _device_of_b),
    ("notifications", "customeremail"): AdminModel(frozenset({VIEW}), _email_to_b),
    ("customer_api", "apiapplication"): AdminModel(frozenset({VIEW}), lambda w: w.b.application.pk),
    ("customer_api", "consumerkey"): AdminModel(frozenset({VIEW}), lambda w: w.b.key.pk),
}  # fmt: skip


def _seen(rights):
    return 200 if rights & {VIEW, CHANGE} else 403


def _admin_rows(app_label, model_name, model):
    prefix = f"admin:{app_label}_{model_name}"
    rights = model.support

    def obj_url(view):
        return lambda w, side: reverse(f"{prefix}_{view}", args=[model.obj(w)])

    def change_data(w, side):
        return model.change(w) if model.change else {}

    def add_data(w, side):
        return model.add(w) if model.add else change_data(w, side)

    def selected(w, side):
        return {"action": "delete_selected", "_selected_action": [model.obj(w)], "index": "0", "post": "yes"}

    return {
        f"{prefix}_changelist": Row(STAFF, {"GET": _seen(rights), "HEAD": _seen(rights),
                                            "POST": {200, 302} if rights & {VIEW, CHANGE} else 403},
                                    url=lambda w, side: reverse(f"{prefix}_changelist"), data=selected),
        f"{prefix}_add": Row(STAFF, {"GET": 200 if ADD in rights else 403, "HEAD": 200 if ADD in rights else 403,
                                     "POST": {200, 302} if ADD in rights else 403},
                             url=lambda w, side: reverse(f"{prefix}_add"), data=add_data),
        f"{prefix}_history": Row(STAFF, {"GET": _seen(rights), "HEAD": _seen(rights)}, url=obj_url("history")),
        f"{prefix}_delete": Row(STAFF, {"GET": 200 if DELETE in rights else 403, "HEAD": 200 if DELETE in rights else 403,
                                        "POST": 302 if DELETE in rights else 403},
                                url=obj_url("delete"), data=lambda w, side: {"post": "yes"}),
        f"{prefix}_change": Row(STAFF, {"GET": _seen(rights), "HEAD": _seen(rights),
                                        "POST": {200, 302} if CHANGE in rights else 403},
                                url=obj_url("change"), data=change_data),
        # The old-style object URL redirects to the change page (any member of staff).
        f"admin/{app_label}/{model_name}/<path:object_id>/": Row(
            STAFF, {"GET": 302, "HEAD": 302}, url=lambda w, side: f"/admin/{app_label}/{model_name}/{model.obj(w)}/"
        ),
    }  # fmt: skip


def _admin_password_data(w, side):
    return {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}


def _service_content_type(w, side):
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Service).pk, w.b.line.pk])


ADMIN_ROWS = {
    "admin:index": Row(STAFF, {"GET": 200, "HEAD": 200}, url=fixed("admin:index")),
    # The admin's own sign-in page is open (a customer signing in there is refused, see `login`).
    "admin:login": Row(PUBLIC, {"GET": 200, "HEAD": 200, "POST": 200}, url=fixed("admin:login"),
                       data=lambda w, side: {"username": side.user.username, "password": PASSWORD}),
    "admin:logout": Row(STAFF, {"POST": 302}, url=fixed("admin:logout")),  # to the sign-in page
    "admin:password_change": Row(STAFF, {"GET": 200, "HEAD": 200, "POST": 302}, url=fixed("admin:password_change"),
                                 data=_admin_password_data),
    "admin:password_change_done": Row(STAFF, {"GET": 200, "HEAD": 200}, url=fixed("admin:password_change_done")),
    # Staff with the view permission on services may look them up by holder (B's number answers).
    "admin:autocomplete": Row(STAFF, {"GET": 200, "HEAD": 200},
                              url=fixed("admin:autocomplete", "?app_label=lines&model_name=contactdetails"
                                        "&field_name=service&term=Zorg")),
    "admin:jsi18n": Row(STAFF, {"GET": 200, "HEAD": 200}, url=fixed("admin:jsi18n")),
    # Services have no page outside the admin: "view on site" finds none.
    "admin:view_on_site": Row(STAFF, {"GET": 404, "HEAD": 404}, url=_service_content_type),
    "admin:app_list": Row(STAFF, {"GET": 200, "HEAD": 200},
                          url=lambda w, side: reverse("admin:app_list", kwargs={"app_label": "lines"})),
    "admin/(?P<url>.*)$": Row(STAFF, {"GET": 404, "HEAD": 404}, url=lambda w, side: "/admin/nulle-part/"),
    # The porting desk's check (support has the permission); the sync start is ops' only.
    "admin:lines_port_out_check": Row(STAFF, {"GET": 200, "HEAD": 200, "POST": 200},
                                      url=fixed("admin:lines_port_out_check"),
                                      data=lambda w, side: {"number": w.b.digits, "rio": "x"}),
    "admin:directory_syncrun_start": Row(STAFF, {"POST": 403}, url=fixed("admin:directory_syncrun_start")),
    "admin:auth_user_password_change": Row(STAFF, {"GET": 403, "HEAD": 403, "POST": 403},
                                           url=lambda w, side: reverse("admin:auth_user_password_change",
                                                                       args=[w.b.user.pk]),
                                           data=lambda w, side: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
    # django-otp's pages of one device (its secret as a URL and a QR code): superusers' only.
    "admin:otp_totp_totpdevice_config": Row(STAFF, {"GET": 403, "HEAD": 403},
                                            url=lambda w, side: reverse("admin:otp_totp_totpdevice_config",
                                                                        args=[_device_of_b(w)])),
    "admin:otp_totp_totpdevice_qrcode": Row(STAFF, {"GET": 403, "HEAD": 403},
                                            url=lambda w, side: reverse("admin:otp_totp_totpdevice_qrcode",
                                                                        args=[_device_of_b(w)])),
}  # fmt: skip
for (_app, _model), _admin_model in ADMIN_MODELS.items():
    ADMIN_ROWS.update(_admin_rows(_app, _model, _admin_model))

MATRIX = {**OUR_ROWS, **ADMIN_ROWS}


# --- every pattern is in the matrix ------------------------------------------------------------


def pattern_keys(patterns=None, prefix="", namespace=""):
    """Each URL pattern of the project, by its qualified name, or its route when it has none."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from pattern_keys(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}".strip(":")
            else:
                yield prefix + str(pattern.pattern)


def test_the_matrix_names_every_url_pattern():
    keys = set(pattern_keys())
    missing, gone = sorted(keys - set(MATRIX)), sorted(set(MATRIX) - keys)
    assert not missing, f"add these patterns to the matrix, with who may see them: {missing}"
    assert not gone, f"these rows name patterns that no longer exist: {gone}"


def test_every_registered_model_admin_is_in_the_matrix():
    registered = {(model._meta.app_label, model._meta.model_name) for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS)


# --- the checks, one test per pattern ----------------------------------------------------------


def _request(row, w, side, who, method):
    client = browser(who)  # first: signing in moves last_login, which a reset link depends on
    url = row.url(w, side)
    data = row.data(w, side) if row.data and method == "POST" else None
    return send(client, method, url, data), f"{method} {url} as {getattr(who, 'username', 'anonymous')}"


def check_public(row, w):
    for method, expected in row.expect.items():
        for who in (None, w.a.user):
            wanted = (row.signed_in or row.expect)[method] if who is not None else expected
            response, context = _request(row, w, w.a, who, method)
            assert status_ok(response.status_code, wanted), (context, response.status_code)
            if row.marker and method == "GET":
                assert row.marker(w.a) in response.content.decode(), context
            before = rows_of(w.b)
            response, context = _request(row, w, w.b, who, method)
            foreign = row.foreign if row.foreign is not None else wanted
            assert status_ok(response.status_code, foreign), (context, response.status_code)
            assert_no_leak(response, w.b, context)
            assert rows_of(w.b) == before, f"{context} changed B's data"


def check_signed_in(row, w):
    for method, expected in row.expect.items():
        response, context = _request(row, w, w.a, None, method)
        assert_redirects_to(response, "login", context)
        response, context = _request(row, w, w.a, w.a.user, method)
        assert status_ok(response.status_code, expected), (context, response.status_code)
        assert_no_leak(response, w.b, context)


def check_owner(row, w):
    for method, expected in row.expect.items():
        before = rows_of(w.b)
        response, context = _request(row, w, w.b, None, method)
        assert_redirects_to(response, "login", context)
        response, context = _request(row, w, w.b, w.a.user, method)
        assert response.status_code in (403, 404), (context, response.status_code)
        assert_no_leak(response, w.b, context)
        assert rows_of(w.b) == before, f"{context} changed B's data"
        response, context = _request(row, w, w.a, w.a.user, method)
        assert status_ok(response.status_code, expected), (context, response.status_code)
        assert_no_leak(response, w.b, context)
        if row.marker and method == "GET":
            assert row.marker(w.a) in response.content.decode(), f"{context}: A's own page shows A's data"


def check_staff(row, w):
    # The objects the URL and the data name (a device, an access attempt) exist before the snapshot.
    row.url(w, w.b), row.data and row.data(w, w.b)
    for method, expected in row.expect.items():
        before = rows_of(w.b)
        for who in (None, w.a.user, w.b.user):
            response, context = _request(row, w, w.b, who, method)
            # admin_view sends whoever may not use the admin to its login, except from its logout
            # page, which goes to the admin's index (and from there to the login).
            target = "admin:index" if row.url(w, w.b) == reverse("admin:logout") else "admin:login"
            assert_redirects_to(response, target, context)
            assert_no_leak(response, w.b, context)
        assert rows_of(w.b) == before, f"{method} {row.url(w, w.b)} by a non-staff caller changed B's data"
        response, context = _request(row, w, w.b, w.support, method)
        assert status_ok(response.status_code, expected), (context, response.status_code)
        assert not (response.status_code == 302 and response["Location"].startswith(reverse("admin:login")))


def check_api(row, w):
    token = SCOPE_TOKEN[row.scope]
    other = next(value for scope, value in SCOPE_TOKEN.items() if scope != row.scope)
    for method, expected in row.expect.items():
        url = row.url(w, w.b)
        data = row.data(w, w.b) if row.data else None
        before = rows_of(w.b)
        for who, headers, status in (
            (None, {}, 401),
            (None, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}, 401),
            (None, {"HTTP_AUTHORIZATION": f"Basic {base64.b64encode(token.encode()).decode()}"}, 401),
            (None, {"HTTP_AUTHORIZATION": f"Bearer {token}x"}, 401),
            (w.a.user, {}, 401),  # a customer's session is no token
            (w.support, {}, 401),  # nor is a member of staff's
            (None, {"HTTP_AUTHORIZATION": f"Bearer {other}"}, 403),
        ):
            response = send(browser(who), method, url, data, **headers)
            context = f"{method} {url} {headers or who}"
            assert response.status_code == status, (context, response.status_code)
            assert_no_leak(response, w.b, context)
        assert rows_of(w.b) == before, f"{method} {url} without a valid token changed B's data"
        response = send(browser(), method, row.url(w, w.a), row.data(w, w.a) if row.data else None,
                        HTTP_AUTHORIZATION=f"Bearer {token}")  # fmt: skip
        assert status_ok(response.status_code, expected), (method, response.status_code)


NOT_OURS = {"set_language"}  # Django's own view, which answers every method


def check_declared_methods(row, w):
    """The matrix covers every method the view declares: any other answers 405, whoever asks."""
    client = Client()
    client.force_login(w.a.user)
    url = row.url(w, w.a)
    for method in TRIED:
        response = client.generic(method, url, HTTP_AUTHORIZATION=f"Bearer {SCOPE_TOKEN.get(row.scope, '')}")
        declared = response.status_code != 405
        assert declared == (method in row.expect), (
            f"{method} {url}: {response.status_code}; the row declares {sorted(row.expect)}"
        )


def _check_customer_api_open(row, w):
    """Anyone, signed in to the panel, signing with a key or not, gets the same public answer; B's
    account or number in the URL brings nothing of B's."""
    route = row.api
    for method, expected in row.expect.items():
        before = rows_of(w.b)
        urls = route.paths or tuple(dict.fromkeys((route.of(w.a), route.of(w.b))))  # B's, when it differs
        for url in urls:
            for who, signer in ((None, {}), (w.a.user, {}), (None, signed_by(w.a, w.a))):
                response = api_send(method, url, route.body.get(method, b""), who=who, **signer)
                context = (
                    f"{method} {url} as {getattr(who, 'username', 'anonymous')} {'signed' if signer else ''}"
                )
                api_answer(response, expected, context)
                assert_no_leak(response, w.b, context)
                if row.marker and method != "HEAD" and url == urls[0]:
                    assert row.marker(w.a) in response.content.decode(), context
        assert rows_of(w.b) == before, f"{method} {urls} changed B's data"


def check_customer_api(row, w):
    """A signed request, with a key its customer authorised, on that customer's own objects:
    1. without a signature, as anyone (a panel session is no credential): 403 INVALID_KEY;
    2. with A's key, on B's account or number: the 404 of an absent one, word for word;
    3. one side's application key with the other's consumer key: 403 NOT_CREDENTIAL;
    and none of these shows anything of B's or changes any of B's rows. Then 4. A's key on A's
    own objects: the expected answer, with A's data in it."""
    route = row.api
    if route.auth == OPEN:
        return _check_customer_api_open(row, w)
    for method, expected in row.expect.items():
        body, own, foreign = route.body.get(method, b""), route.of(w.a), route.foreign(w)
        before = rows_of(w.b)
        for url in (own, *(route.url(*names) for names, _ in foreign)):
            for who in (None, w.a.user):
                response = api_send(method, url, body, who=who)
                context = f"{method} {url} unsigned, as {getattr(who, 'username', 'anonymous')}"
                api_answer(response, 403, context, "INVALID_KEY")
                assert_no_leak(response, w.b, context)
            for application, key in ((w.a, w.b), (w.b, w.a)) if route.auth == SIGNED else ():
                response = api_send(method, url, body, **signed_by(application, key))
                context = f"{method} {url} with {application.user}'s application and {key.user}'s key"
                api_answer(response, 403, context, "NOT_CREDENTIAL")
                assert_no_leak(response, w.b, context)
        for names, absent in foreign:
            url = route.url(*names)
            response = api_send(method, url, body, **signed_by(w.a, w.a))
            context = f"{method} {url} signed by A"
            answer = api_answer(response, 404, context, "NOT_FOUND")
            assert_no_leak_but_echo(response, w.b, names, context)
            nowhere = api_answer(api_send(method, route.url(*absent), body, **signed_by(w.a, w.a)), 404,
                                 f"{method} {route.url(*absent)}", "NOT_FOUND")  # fmt: skip
            for value, name in (*zip(names, ("<account>", "<service>"), strict=False),
                                *zip(absent, ("<account>", "<service>"), strict=False)):  # fmt: skip
                answer["message"] = answer["message"].replace(value, name)
                nowhere["message"] = nowhere["message"].replace(value, name)
            assert answer == nowhere, (context, answer, nowhere)
        assert rows_of(w.b) == before, f"{method} {own} by anyone but B changed B's data"
        signer = signed_by(w.a, w.a) if route.auth == SIGNED else {"application": w.a.application.key}
        response = api_send(method, own, body, **signer)
        context = f"{method} {own} signed by A"
        api_answer(response, expected, context)
        assert_no_leak(response, w.b, context)
        if row.marker and method != "PUT":  # a PUT answers null: `extra` reads what it did
            assert row.marker(w.a) in response.content.decode(), f"{context}: A's own answer shows A's data"


CHECKS = {
    PUBLIC: check_public,
    SIGNED_IN: check_signed_in,
    OWNER: check_owner,
    STAFF: check_staff,
    API: check_api,
    CUSTOMER_API: check_customer_api,
}


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_who_may_see_it(key, world):
    if key not in set(pattern_keys()):
        pytest.fail(f"{key} is in the matrix but is no URL pattern of the project")
    row = MATRIX[key]
    CHECKS[row.access](row, world)
    if row.extra:
        row.extra(world)
    if key in OUR_ROWS and key not in NOT_OURS:
        check_declared_methods(row, world)


def test_no_one_reads_a_customers_second_factor_secret_in_the_admin(world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.b.user, name="B's phone", confirmed=True)
    client = browser(world.superuser)
    for name in ("change", "config", "qrcode"):
        response = client.get(reverse(f"admin:otp_totp_totpdevice_{name}", args=[device.pk]))
        body = response.content.decode("utf-8", "replace")
        assert device.key not in body and base64.b32encode(device.bin_key).decode() not in body, name
        assert response.status_code != 200 or name == "change", name
