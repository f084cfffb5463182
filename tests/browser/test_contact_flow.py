"""The customer's real flow in Chromium: Téléphonie, a number, Coordonnées, Modifier les
coordonnées, fill in, publish, apply; then a company with a bad SIRET."""

import re

import pytest
from playwright.sync_api import expect

from directory.models import Publication
from lines.models import ContactDetails, Service

from .conftest import sign_in

pytestmark = pytest.mark.browser


def field(page, label):
    """A form field by its visible label, with or without the required-field star."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def open_edit_form(page, national_number):
    page.get_by_role("link", name="Téléphonie").first.click()
    field(page, "Numéro ou libellé").fill(national_number)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=national_number).click()
    page.get_by_role("navigation", name="Onglets du service").get_by_role("link", name="Coordonnées").click()
    page.get_by_role("link", name="Modifier les coordonnées").click()
    expect(page.get_by_role("heading", name="Modifier les coordonnées")).to_be_visible()


def fill_address(page, *, street, postcode, city):
    field(page, "Numéro de voie").fill("8")
    field(page, "Type de voie").select_option(label="boulevard")
    field(page, "Nom de la voie").fill(street)
    field(page, "Code postal").fill(postcode)
    field(page, "Ville").fill(city)


def test_a_customer_publishes_a_number_in_the_directory(page, demo_data):
    sign_in(page, "demo", "demo")
    expect(page.get_by_role("heading", name="Téléphonie")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="pas encore de coordonnées")).to_be_visible()

    open_edit_form(page, "02 61 91 02 04")
    page.get_by_label("Particulier").check()
    expect(field(page, "SIRET")).to_be_hidden()  # fields of other legal forms step aside
    field(page, "Nom").fill("Dupont")
    field(page, "Prénom").fill("Marie")
    fill_address(page, street="Voltaire", postcode="75011", city="Paris")

    options = page.locator("#publication-options")
    expect(options).to_be_hidden()
    field(page, "Publication dans l'annuaire").select_option(label="Oui")
    expect(options).to_be_visible()
    page.get_by_label("Initiale du prénom").check()
    field(page, "Publication dans l'annuaire inversé").select_option(label="Oui")
    page.get_by_role("button", name="Appliquer les modifications").click()

    expect(page.get_by_role("status").filter(has_text="Votre parution est programmée")).to_be_visible()
    expect(page.locator("#parution")).to_contain_text("Synchronisation programmée")
    preview = page.get_by_test_id("listing-preview")
    expect(preview).to_contain_text("Dupont M.")
    expect(preview).to_contain_text("8 boulevard Voltaire")
    expect(preview).to_contain_text("75011 Paris")
    expect(preview).to_contain_text("Opposé au démarchage")
    expect(page.locator("#parution")).to_contain_text(re.compile(r"Prochaine mise à jour des annuaires\s*1"))

    publication = Publication.objects.get(service__number="+33261910204")
    assert (publication.status, publication.listed, publication.reverse_search) == ("scheduled", True, True)


def test_a_company_with_a_bad_siret_is_refused_and_nothing_is_saved(page, demo_data):
    sign_in(page, "demo", "demo")
    open_edit_form(page, "01 99 00 01 06")
    page.get_by_label("Entreprise").check()
    expect(field(page, "Prénom")).to_be_hidden()
    field(page, "Dénomination").fill("Atelier Dupont")
    field(page, "SIRET").fill("732 829 320 00079")
    field(page, "Code APE/NAF").fill("62.01Z")
    fill_address(page, street="de la République", postcode="69003", city="Lyon")
    field(page, "Publication dans l'annuaire").select_option(label="Oui")
    page.get_by_role("button", name="Appliquer les modifications").click()

    expect(page.get_by_role("alert")).to_contain_text("Rien n'a été enregistré")
    expect(page.locator(".has-error")).to_contain_text("clé de contrôle est fausse")
    expect(field(page, "Dénomination")).to_have_value("Atelier Dupont")  # nothing typed is lost
    service = Service.objects.get(number="+33199000106")
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not Publication.objects.filter(service=service).exists()


def test_the_form_works_without_javascript(chromium, live_server, demo_data):
    context = chromium.new_context(locale="fr-FR", base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "demo", "demo")
    page.goto("/telephonie/33199000103/coordonnees/modifier/")
    expect(page.locator("#publication-options")).to_be_visible()  # every option shown without JS
    page.get_by_label("Particulier").check()
    field(page, "Nom").fill("Martin")
    field(page, "Prénom").fill("Paul")
    fill_address(page, street="Saint-Maur", postcode="75011", city="Paris")
    page.get_by_role("button", name="Appliquer les modifications").click()
    expect(page.get_by_role("status").filter(has_text="Coordonnées enregistrées")).to_be_visible()
    assert ContactDetails.objects.get(service__number="+33199000103").last_name == "Martin"
    context.close()


def test_the_demo_shows_the_rio_and_where_emergency_calls_go(page, demo_data):
    sign_in(page, "demo", "demo")
    page.goto("/telephonie/33199000107/")
    rio = page.locator("#rio")
    expect(rio).to_contain_text("RIO")
    expect(rio).to_contain_text("3179")
    expect(rio.locator(".rio")).to_have_text(re.compile(r"^99 G [A-Z0-9]{6} [A-Z0-9+]{3}$"))
    page.get_by_role("navigation", name="Onglets du service").get_by_role("link", name="Coordonnées").click()
    emergency = page.locator("#urgence")
    expect(emergency).to_contain_text("Les appels d'urgence (15, 17, 18, 112, 114…)")
    expect(emergency).to_contain_text("code INSEE 69123")


def test_the_city_field_lists_the_postcodes_communes_as_it_is_typed(page, demo_data):
    """With JavaScript, typing a postcode fills the city's list with its communes (the JSON of
    /telephonie/communes/<code>/, under the CSP) and says how many; the choice is then saved under
    its official name."""
    sign_in(page, "demo", "demo")
    open_edit_form(page, "02 61 91 02 04")
    page.get_by_label("Particulier").check()
    field(page, "Nom").fill("Dupont")
    field(page, "Prénom").fill("Marie")
    fill_address(page, street="de la Gare", postcode="51300", city="")
    expect(page.locator("#city-communes-status")).to_contain_text("communes pour ce code postal")
    expect(page.locator("#city-communes option[value='Vitry-le-François']")).to_have_count(1)
    field(page, "Ville").fill("vitry le francois")
    page.get_by_role("button", name="Appliquer les modifications").click()
    expect(page.get_by_role("status").first).to_be_visible()
    service = Service.objects.get(number="+33261910204")
    assert ContactDetails.objects.get(service=service).city == "Vitry-le-François"
