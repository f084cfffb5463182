"""Port-out checks on every ground, the RIO's stability, and the operator API."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lines.models import PortOutCheck, Service, ServiceChange
from lines.portability import port_out_check, rio_issue, rio_regenerate
from lines.rio import rio_key
from lines.services import contact_details_apply
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db
TOKEN = "porting-desk-secret-token"


@pytest.fixture
def holder(customer):
    """Claire Durand's line, 01 99 00 00 77, with its RIO (issued with its first contact details)."""
    service = make_service(customer, number="+33199000077")
    contact_details_apply(service=service, details=INDIVIDUAL_DETAILS, publication={"listed": False},
                          actor=customer)  # fmt: skip
    service.refresh_from_db()
    assert service.rio
    return service


def check(number="01 99 00 00 77", rio="", **identity):
    return port_out_check(number=number, rio=rio, channel="test", checked_by="tests", **identity)


def test_a_rio_typed_with_spaces_and_in_lower_case_is_eligible(holder):
    rio = rio_issue(holder)
    typed = f"{rio[:2]} {rio[2]} {rio[3:9]} {rio[9:]}".lower()
    result = check(rio=typed, holder_name="durand claire", postcode="75011")
    assert (result.eligible, result.ground) == (True, "eligible")
    assert PortOutCheck.objects.get().eligible is True


@pytest.mark.parametrize(
    ("number", "ground"),
    [("01 99 00 00 00", "unknown_number"), ("pas un numéro", "unknown_number")],
)
def test_an_unknown_number(holder, number, ground):
    assert check(number=number, rio=rio_issue(holder)).ground == ground


def terminated(service, days_ago):
    when = timezone.now() - timedelta(days=days_ago)
    Service.objects.filter(pk=service.pk).update(state="terminated", terminated_at=when)


@pytest.mark.parametrize(("days_ago", "ground"), [(0, "eligible"), (1, "eligible"), (40, "eligible"),
                                                  (41, "inactive_number"), (400, "inactive_number")])  # fmt: skip
def test_a_fixed_number_stays_portable_40_calendar_days_after_termination(holder, days_ago, ground):
    """ARCEP decision 2013-0830: a fixed number may be ported for 40 calendar days after its
    contract ends (a customer who terminated first and asked the new operator second)."""
    rio = rio_issue(holder)
    terminated(holder, days_ago)
    assert check(rio=rio).ground == ground


def test_a_terminated_mobile_number_is_inactive_at_once(customer):
    mobile = make_service(customer, number="+33699000077")
    contact_details_apply(service=mobile, details=INDIVIDUAL_DETAILS, publication={"listed": False},
                          actor=customer)  # fmt: skip
    rio = rio_issue(mobile)
    terminated(mobile, 1)
    assert check(number="06 99 00 00 77", rio=rio).ground == "inactive_number"


def test_a_malformed_rio(holder):
    result = check(rio="01P12")
    assert result.ground == "malformed_rio" and result.hints  # says what is wrong


def test_a_key_that_does_not_match_the_number(holder):
    rio = rio_issue(holder)
    assert check(rio=rio[:9] + ("AAA" if rio[9:] != "AAA" else "BBB")).ground == "key_mismatch"


def test_a_typing_slip_is_hinted(customer):
    """Built so that the RIO's reference holds a 0: 0/O is the slip the desk sees most."""
    service = make_service(customer, number="+33199000078")
    make_contact_details(service)
    national = "0199000078"
    rio = f"99F0ABCD0{rio_key('99', 'F', '0ABCD0', national)}"
    Service.objects.filter(pk=service.pk).update(rio=rio)
    result = check(number=national, rio=rio.replace("0ABCD0", "OABCD0"))
    assert result.ground in {"key_mismatch", "malformed_rio"}
    assert any(rio in hint for hint in result.hints)


def test_a_valid_rio_of_another_number(holder, customer):
    other = make_service(customer, number="+33199000079")
    national_key = rio_key("99", "F", "ZZZZZZ", "0199000077")
    assert check(rio=f"99FZZZZZZ{national_key}").ground == "rio_not_this_number"
    assert rio_issue(other) != rio_issue(holder)


def test_a_port_already_pending(holder):
    rio = rio_issue(holder)
    Service.objects.filter(pk=holder.pk).update(port_out_pending_since=timezone.now())
    assert check(rio=rio).ground == "port_pending"


@pytest.mark.parametrize(
    "identity", [{"holder_name": "Martin"}, {"siret": "73282932000074"}, {"postcode": "69003"}]
)
def test_an_identity_that_does_not_match(holder, identity):
    assert check(rio=rio_issue(holder), **identity).ground == "identity_mismatch"


def test_a_company_is_matched_by_its_name_and_siret_or_siren(customer):
    service = make_service(customer, number="+33199000080")
    make_contact_details(service, COMPANY_DETAILS)
    rio = rio_issue(service)
    assert rio[2] == "G"  # fixed line, business
    assert check(number="0199000080", rio=rio, holder_name="exemple sa", siret="732 829 320").eligible


def test_the_rio_stays_the_same_across_edits_and_changes_only_on_request(holder, customer, support_staff):
    rio = rio_issue(holder)
    contact_details_apply(service=holder, details={**INDIVIDUAL_DETAILS, "street_name": "Saint-Maur"},
                          publication={"listed": False}, actor=customer)  # fmt: skip
    holder.refresh_from_db()
    assert rio_issue(holder) == rio
    new = rio_regenerate(service=holder, actor=support_staff)
    assert new != rio and rio_issue(holder) == new
    change = ServiceChange.objects.filter(service=holder).first()
    assert (change.actor, change.changes) == (support_staff, {"rio": [rio, new]})


def test_the_api_needs_a_token_and_answers_json(client, settings, holder):
    settings.OPERATOR_API_TOKENS = [f"porting-desk:portabilite:{TOKEN}"]
    url = reverse("api_port_out_check")
    payload = {"number": "+33199000077", "rio": rio_issue(holder)}
    assert client.post(url, payload, content_type="application/json").status_code == 401
    wrong = client.post(
        url, payload, content_type="application/json", headers={"authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    response = client.post(
        url, payload, content_type="application/json", headers={"authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200 and response.json()["eligible"] is True
    assert PortOutCheck.objects.get().checked_by == "porting-desk"
    bad = client.post(
        url, "[1]", content_type="application/json", headers={"authorization": f"Bearer {TOKEN}"}
    )
    assert bad.status_code == 400


def test_the_porting_desk_page_in_the_admin(client, support_staff, holder):
    client.force_login(support_staff)
    url = reverse("admin:lines_port_out_check")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"number": "01 99 00 00 77", "rio": rio_issue(holder), "holder_name": "Durand"}
    )
    assert "Éligible à la portabilité" in response.content.decode()
    assert PortOutCheck.objects.get().channel == "admin"


def test_the_customer_sees_the_rio_and_3179(client, customer, holder):
    client.force_login(customer)
    page = client.get(reverse("service_overview", args=[holder.number_digits])).content.decode()
    rio = rio_issue(holder)
    assert f"{rio[:2]} {rio[2]} {rio[3:9]} {rio[9:]}" in page and "3179" in page


def test_port_out_payload_must_be_strings(client, settings, holder):
    settings.OPERATOR_API_TOKENS = [f"desk:portabilite:{TOKEN}"]
    response = client.post(reverse("api_port_out_check"), json.dumps({"number": 1}), content_type="application/json",
                           headers={"authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert response.status_code == 400


def test_regenerating_changes_nothing_where_there_is_no_rio_to_replace(client, customer, support_staff):
    """A number outside the French plan (+269, the Comoros') carries no RIO, and a service without
    details has none yet: the admin action says so instead of answering 500 or issuing one on the
    wrong terms."""

    overseas = make_service(customer, number="+2693212345")
    make_contact_details(overseas)
    bare = make_service(customer, number="+33199000079")
    assert rio_regenerate(service=overseas, actor=support_staff) is None
    assert rio_regenerate(service=bare, actor=support_staff) is None
    client.force_login(support_staff)
    response = client.post(reverse("admin:lines_service_changelist"),
                           {"action": "regenerate_rio", "_selected_action": [overseas.pk, bare.pk], "index": "0"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "2 service(s) sans RIO à remplacer" in response.content.decode()
    assert set(Service.objects.filter(pk__in=[overseas.pk, bare.pk]).values_list("rio", flat=True)) == {""}
    assert not ServiceChange.objects.filter(service__in=[overseas, bare], changes__has_key="rio").exists()
