"""Every panel page: status codes, redirects, messages, and isolation between customers."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from directory.models import Publication
from lines.models import ContactDetails, Service, ServiceChange
from tests.factories import COMPANY_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db

VALID_POST = {
    "legal_form": "individual",
    "last_name": "Durand",
    "first_name": "Claire",
    "street_number": "10",
    "street_type": "rue",
    "street_name": "Oberkampf",
    "postcode": "75011",
    "city": "Paris",
    "country": "FR",
    "listed": "True",
    "marketing_accepted": "False",
    "reverse_search": "False",
    "name_display": "initial",
    "address_display": "city",
    "line_designation": "",
}


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = get_user_model().objects
    return users.get(username="demo"), users.get(username="autre")


def url(name, service, *args):
    return reverse(name, args=[service.number_digits, *args])


def table_of(response):
    """The services table of the list page, without the filters above it."""
    return response.content.decode().split("<tbody>")[1].split("</tbody>")[0]


def test_the_list_shows_services_and_flags_missing_details(signed_in, customer):
    make_contact_details(make_service(customer, number="+33199000011", label="Bureau"))
    make_service(customer, number="+33199000012", label="Fax")
    page = signed_in.get(reverse("service_list")).content.decode()
    assert "01 99 00 00 11" in page and "Claire Durand" in page
    assert "Coordonnées à compléter" in page
    assert "1 service n'a pas encore de coordonnées" in page  # the banner


@pytest.mark.parametrize(
    "query", ["01 99 00 00 11", "0199000011", "+33199000011", "0033 1 99 00 00 11", "019900"]
)
def test_the_list_finds_a_number_typed_in_any_form(signed_in, customer, query):
    make_service(customer, number="+33199000011", label="Bureau")
    make_service(customer, number="+33261910001", label="Maison")
    rows = table_of(signed_in.get(reverse("service_list"), {"q": query}))
    assert "Bureau" in rows and "Maison" not in rows


def test_the_list_filters_by_label_kind_account_and_state(signed_in, customer):
    make_contact_details(make_service(customer, label="Accueil principal"))
    make_service(customer, label="Fax", kind="number")
    assert "Fax" not in table_of(signed_in.get(reverse("service_list"), {"q": "accueil"}))
    assert "Accueil" not in table_of(signed_in.get(reverse("service_list"), {"type": "number"}))
    rows = table_of(signed_in.get(reverse("service_list"), {"etat": "a-completer"}))
    assert "Fax" in rows and "Accueil principal" not in rows
    own_account = customer.billing_accounts.get().reference
    assert "Fax" in table_of(signed_in.get(reverse("service_list"), {"compte": own_account}))
    assert "Aucun service ne correspond" in table_of(signed_in.get(reverse("service_list"), {"q": "zzz"}))
    assert signed_in.get(reverse("service_list"), {"compte": "zz00000-1"}).status_code == 404


def test_the_list_is_paginated(signed_in, customer):
    for index in range(55):
        make_service(customer, number=f"+3319900{index:04d}")
    first = signed_in.get(reverse("service_list")).content.decode()
    second = signed_in.get(reverse("service_list"), {"page": 2}).content.decode()
    assert "Page 1 sur 2" in first and "01 99 00 00 54" not in first
    assert "01 99 00 00 54" in second


def test_a_line_has_more_tabs_than_a_number(signed_in, customer):
    line = make_service(customer, kind="line")
    number = make_service(customer, kind="number")
    line_page = signed_in.get(url("service_overview", line)).content.decode()
    number_page = signed_in.get(url("service_overview", number)).content.decode()
    assert "Vue d'ensemble" in line_page and "Appels d'urgence" in line_page
    assert "Mon numéro" in number_page and "Coordonnées dans l'annuaire : Non" in number_page
    assert line_page.count('class="tabs"') == 1
    assert signed_in.get(url("service_emergency", number)).status_code == 404


def test_the_contact_tab_shows_status_dates_and_the_listing_preview(signed_in, customer):
    service = make_service(customer)
    signed_in.post(url("service_contact_edit", service), VALID_POST)
    page = signed_in.get(url("service_contact", service)).content.decode()
    assert "Synchronisation programmée" in page
    assert "Prochaine mise à jour des annuaires" in page and "03:00" in page
    # The update is always on the first of a month: French writes it "1er".
    assert re.search(r"Prochaine mise à jour des annuaires</dt><dd>1er [a-zéû]+ 20[0-9]{2}", page), page
    assert "Durand C." in page  # initial only
    assert "Oberkampf" not in page.split('data-testid="listing-preview"')[1].split("</div>")[0]  # city only
    assert "Opposé au démarchage" in page


def test_applying_valid_details_saves_them_and_says_what_happens_next(signed_in, customer):
    service = make_service(customer)
    response = signed_in.post(url("service_contact_edit", service), VALID_POST, follow=True)
    assert response.redirect_chain[-1][0] == url("service_contact", service)
    message = str(next(iter(response.context["messages"])))
    assert "Votre parution est programmée" in message and "1 à 30 jours" in message
    assert ContactDetails.objects.get(service=service).last_name == "Durand"


def test_a_company_with_a_bad_siret_gets_the_error_beside_the_field_and_nothing_is_saved(signed_in, customer):
    service = make_service(customer)
    post = {**VALID_POST, **COMPANY_DETAILS, "siret": "73282932000079", "country": "FR", "ape_code": "62.01Z"}
    response = signed_in.post(url("service_contact_edit", service), post)
    assert response.status_code == 400
    assert "clé de contrôle est fausse" in response.content.decode()
    assert response.context["details_form"]["siret"].value() == "73282932000079"  # what was typed is kept
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not Publication.objects.filter(service=service).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"postcode": "7501"}, "postcode", "5 chiffres"),
        ({"postcode": "75700", "city": "Paris"}, "postcode", "aucune commune"),
        ({"city": "Paris Cedex 11"}, "city", "CEDEX"),
        ({"city": "Lyon"}, "city", "Communes possibles : Paris"),
        ({"last_name": ""}, "last_name", "obligatoire"),
        ({"first_name": "Cl4ire"}, "first_name", "lettres"),
        ({"street_name": "Ober\u200bkampf"}, "street_name", "invisibles"),
        ({"street_name": "x" * 101}, "street_name", "100 caractères"),
        ({"email": "claire@"}, "email", "adresse e-mail valide"),
    ],
)
def test_invalid_input_is_refused_with_a_french_error(signed_in, customer, changes, field, message):
    service = make_service(customer)
    response = signed_in.post(url("service_contact_edit", service), {**VALID_POST, **changes})
    assert response.status_code == 400
    errors = " ".join(response.context["details_form"].errors.get(field, []))
    assert message in errors
    assert not ContactDetails.objects.filter(service=service).exists()


def test_advertising_in_the_line_description_is_refused_before_the_directories_do(signed_in, customer):
    service = make_service(customer)
    response = signed_in.post(
        url("service_contact_edit", service), {**VALID_POST, "line_designation": "www.promo.fr"}
    )
    assert response.status_code == 400
    assert "refusent la publicité" in " ".join(
        response.context["publication_form"].errors["line_designation"]
    )
    assert not ContactDetails.objects.filter(service=service).exists()


def test_the_edit_form_applies_to_other_services_of_the_account(
    signed_in, customer, django_capture_on_commit_callbacks
):
    service = make_service(customer)
    other = make_service(customer)
    with django_capture_on_commit_callbacks(execute=True):  # the job's task, in-process
        response = signed_in.post(
            url("service_contact_edit", service), {**VALID_POST, "targets": [other.number_digits]}
        )
    assert response.status_code == 303  # to the job's page: a reload never posts again
    page = signed_in.get(response["Location"])
    assert "Résultat de l'application groupée" in page.content.decode()
    assert ContactDetails.objects.get(service=other).last_name == "Durand"


def test_bulk_apply_from_the_list_never_touches_another_customers_service(
    signed_in, customer, other_customer, django_capture_on_commit_callbacks
):
    source = make_service(customer)
    make_contact_details(source)
    target = make_service(customer)
    foreign = make_service(other_customer)
    listing = signed_in.get(reverse("service_list")).content.decode()
    assert f'href="/telephonie/appliquer/?source={source.number_digits}"' in listing
    form = signed_in.get(reverse("bulk_apply"), {"source": source.number_digits})
    assert form.status_code == 200 and target.national_number in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("bulk_apply"),
            {"source": source.number_digits, "targets": [target.number_digits, foreign.number_digits]},
        )
    assert response.status_code == 303
    results = signed_in.get(response["Location"])
    assert [row["service"] for row in results.context["rows"]] == [target]
    assert not ContactDetails.objects.filter(service=foreign).exists()


def test_bulk_apply_needs_a_source_with_details(signed_in, customer):
    source = make_service(customer)
    response = signed_in.get(reverse("bulk_apply"), {"source": source.number_digits})
    assert response.status_code == 302


def test_the_history_shows_who_changed_what_including_consent(signed_in, customer):
    service = make_service(customer)
    signed_in.post(url("service_contact_edit", service), VALID_POST)
    signed_in.post(url("service_contact_edit", service), {**VALID_POST, "marketing_accepted": "True"})
    page = signed_in.get(url("service_history", service)).content.decode()
    assert "Vous (alice)" in page
    assert "Démarchage téléphonique accepté" in page and "consentement" in page
    change = ServiceChange.objects.filter(service=service).first()
    detail = signed_in.get(url("service_change", service, change.pk))
    assert detail.status_code == 200


def test_a_terminated_service_cannot_be_edited(signed_in, customer):
    service = make_service(customer)
    Service.objects.filter(pk=service.pk).update(state="terminated", terminated_at="2026-01-01T00:00:00Z")
    response = signed_in.post(url("service_contact_edit", service), VALID_POST, follow=True)
    assert "résilié" in str(next(iter(response.context["messages"])))
    assert not ContactDetails.objects.filter(service=service).exists()


def test_every_page_requires_login(client, customer):
    service = make_service(customer)
    for name in ("service_overview", "service_contact", "service_contact_edit", "service_history"):
        response = client.get(url(name, service))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_autre_gets_404_on_every_page_of_demos_services(client, demo):
    demo_user, autre = demo
    client.force_login(autre)
    service = Service.objects.owned_by(demo_user).filter(changes__isnull=True).first()
    change = ServiceChange.objects.create(
        service=service, at="2026-11-01T10:00:00Z", source="panel", changes={}
    )
    for name in (
        "service_overview",
        "service_contact",
        "service_contact_edit",
        "service_emergency",
        "service_history",
    ):
        assert client.get(url(name, service)).status_code == 404, name
    assert client.post(url("service_contact_edit", service), VALID_POST).status_code == 404
    assert client.get(url("service_change", service, change.pk)).status_code == 404
    own = Service.objects.owned_by(autre).first()
    assert client.get(url("service_change", own, change.pk)).status_code == 404  # entry of another service
    assert client.get(reverse("bulk_apply"), {"source": service.number_digits}).status_code == 404
    assert (
        client.get(reverse("service_list"), {"compte": service.billing_account.reference}).status_code == 404
    )
    assert not ContactDetails.objects.filter(service=service, last_name="Durand").exists()


def test_the_demo_pages_all_render(client, demo):
    demo_user, _ = demo
    client.force_login(demo_user)
    for service in Service.objects.owned_by(demo_user):
        for name in ("service_overview", "service_contact", "service_history"):
            assert client.get(url(name, service)).status_code == 200
        expected = 200 if service.state == "active" else 302
        assert client.get(url("service_contact_edit", service)).status_code == expected


def test_the_preview_is_in_the_directories_language_whatever_the_page_language(client, customer):
    service = make_service(customer)
    make_contact_details(service, street_type="allee", street_name="des Tilleuls")
    Publication.objects.create(
        service=service, listed=True, status="scheduled", scheduled_at="2026-11-26T10:00:00Z"
    )
    client.force_login(customer)
    page = client.get(url("service_contact", service), headers={"accept-language": "en"}).content.decode()
    assert "Preview of your listing" in page
    assert "10 allée des Tilleuls" in page.split('data-testid="listing-preview"')[1]
