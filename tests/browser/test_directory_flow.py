"""Publication end to end in Chromium: publish as `demo`, run sync_directory, see "Synchronisé"
in the panel and the listing in /annuaire/; withdraw, sync, status blank and listing gone. The
reverse directory finds a number only when its subscriber allows it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from .conftest import sign_in
from .test_contact_flow import field, fill_address

pytestmark = pytest.mark.browser
NUMBER = "02 61 91 02 04"


def sync():
    call_command("sync_directory", "--no-progress", stdout=StringIO())


def search_directory(page, name, city):
    page.goto("/annuaire/")
    field(page, "Nom ou dénomination").fill(name)
    field(page, "Ville").fill(city)
    page.get_by_role("button", name="Rechercher").click()
    return page.locator(".directory-results")


def reverse_search(page, number):
    page.goto("/annuaire/inverse/")
    field(page, "Numéro de téléphone").fill(number)
    page.get_by_role("button", name="Rechercher").click()
    return page.locator("main")


def edit(page):
    page.goto("/telephonie/33261910204/coordonnees/modifier/")


def test_publish_sync_find_withdraw(page, demo_data):
    sign_in(page, "demo", "demo")
    edit(page)
    page.get_by_label("Particulier").check()
    field(page, "Nom").fill("Lemoine")
    field(page, "Prénom").fill("Julie")
    fill_address(page, street="Voltaire", postcode="75011", city="Paris")
    field(page, "Publication dans l'annuaire").select_option(label="Oui")
    field(page, "Publication dans l'annuaire inversé").select_option(label="Oui")
    page.get_by_role("button", name="Appliquer les modifications").click()
    expect(page.locator("#parution")).to_contain_text("Synchronisation programmée")

    sync()
    page.reload()
    expect(page.locator("#parution")).to_contain_text(re.compile(r"Statut\s*Synchronisé"))
    results = search_directory(page, "lemoine", "Paris")
    expect(results).to_contain_text("Lemoine Julie")
    expect(results).to_contain_text(NUMBER)
    expect(results).to_contain_text("8 boulevard Voltaire")
    expect(reverse_search(page, "0261910204")).to_contain_text("Lemoine Julie")
    # Atelier Dupont's switchboard is listed, but keeps out of the reverse directory.
    expect(search_directory(page, "atelier", "Lyon")).to_contain_text("01 99 00 01 01")
    answer = reverse_search(page, "+33 1 99 00 01 01")
    expect(answer).to_contain_text("Aucune fiche de l'annuaire inversé")
    expect(answer).not_to_contain_text("Atelier Dupont")

    edit(page)
    field(page, "Publication dans l'annuaire").select_option(label="Non")
    page.get_by_role("button", name="Appliquer les modifications").click()
    expect(page.get_by_role("status").filter(has_text="Le retrait de l'annuaire")).to_be_visible()
    expect(page.locator("#parution")).to_contain_text("retrait de l'annuaire")

    sync()
    page.reload()
    expect(page.locator("#parution")).to_contain_text(re.compile(r"Statut\s*Non publiée"))
    page.goto("/annuaire/?nom=lemoine&ville=Paris")
    expect(page.locator("main")).to_contain_text("Aucune fiche ne correspond")
    expect(reverse_search(page, "0261910204")).to_contain_text("Aucune fiche de l'annuaire inversé")
