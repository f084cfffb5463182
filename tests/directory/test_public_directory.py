"""The public directory (/annuaire/): search, its minimum query and cap, reverse search, what an
entry shows. The rate limits are in test_throttle.py."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from directory.listing import search_key
from directory.models import Listing
from directory.views import matching_listings
from lines.communes import normalise_place_name
from lines.models import Service
from tests.factories import make_contact_details, make_service

pytestmark = pytest.mark.django_db
SEARCH = reverse("directory_search")
REVERSE = reverse("directory_reverse")
PUBLISHED_AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    """Each test starts with no request counted against any address."""
    cache.clear()
    yield
    cache.clear()


def make_listing(owner, name, *, number=None, **fields):
    """A directory entry as the sync writes it, search columns included."""
    service = make_service(owner, number=number)
    values = {
        "street": "10 rue Oberkampf",
        "postcode": "75011",
        "city": "Paris",
        "departement": "75",
        "marketing_accepted": True,
        "reverse_search": True,
        **fields,
    }
    return Listing.objects.create(
        service=service,
        number=str(service.number),
        national_number=service.national_number,
        name=name,
        name_search=search_key(name),
        city_search=normalise_place_name(values["city"]),
        published_at=PUBLISHED_AT,
        **values,
    )


def page_of(response):
    assert response.status_code == 200
    return response.content.decode()


def search(client, **query):
    """The results page for `query`, searched in Paris's département (make_listing's) unless the
    query names a city or a département itself."""
    if "ville" not in query and "departement" not in query:
        query["departement"] = "75"
    return page_of(client.get(SEARCH, query))


# --- Access ------------------------------------------------------------------------------------


def test_the_directory_is_open_without_signing_in(client):
    for url in (SEARCH, REVERSE):
        response = client.get(url)
        assert response.status_code == 200
        assert 'for="id_' in response.content.decode()


def test_the_two_directory_pages_link_to_each_other(client):
    assert f'href="{REVERSE}"' in page_of(client.get(SEARCH))
    assert f'href="{SEARCH}"' in page_of(client.get(REVERSE))


def test_the_directory_only_answers_get(client):
    assert client.post(SEARCH, {"nom": "Dupont"}).status_code == 405


# --- Search by name ------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["dupont", "DUPONT", "Dupont", "dupônt", "Dup"])
def test_a_name_is_found_by_its_beginning_whatever_the_case_and_accents(client, customer, typed):
    make_listing(customer, "Dupont Marie")
    make_listing(customer, "Dupontel Jean")
    make_listing(customer, "Durand Claire")
    make_listing(customer, "Martin Dupont")
    page = search(client, nom=typed)
    assert "Dupont Marie" in page and "Dupontel Jean" in page
    assert "Durand Claire" not in page
    assert "Martin Dupont" not in page  # a prefix search: the name must start with the term
    assert "2 fiches trouvées" in page


def test_a_company_is_found_by_its_name(client, customer):
    make_listing(customer, "Atelier Élan SARL", activity="Menuiserie")
    page = search(client, nom="atelier el")
    assert "Atelier Élan SARL" in page and "Menuiserie" in page


def test_names_are_matched_as_written_hyphens_and_accents_aside(client, customer):
    make_listing(customer, "Saint-Exupéry Antoine")
    make_listing(customer, "Stevens Anne")
    assert "Saint-Exupéry Antoine" in search(client, nom="saint exupery")
    page = search(client, nom="Stev")
    assert "Stevens Anne" in page and "Saint-Exupéry" not in page


def test_the_search_narrows_to_a_city_typed_any_usual_way(client, customer):
    make_listing(customer, "Dupont Paris")
    make_listing(customer, "Dupont Stéphanois", city="Saint-Étienne", postcode="42000", departement="42")
    page = search(client, nom="dupont", ville="st etienne")
    assert "Dupont Stéphanois" in page and "Dupont Paris" not in page


def test_the_search_narrows_to_a_departement(client, customer):
    make_listing(customer, "Dupont Paris")
    make_listing(customer, "Dupont Lyonnais", city="Lyon", postcode="69003", departement="69")
    make_listing(customer, "Dupont Ajaccien", city="Ajaccio", postcode="20000", departement="2A")
    page = search(client, nom="dupont", departement="69")
    assert "Dupont Lyonnais" in page and "Dupont Paris" not in page and "Dupont Ajaccien" not in page
    page = search(client, nom="dupont", departement="2a")
    assert "Dupont Ajaccien" in page and "Dupont Lyonnais" not in page


@pytest.mark.parametrize("departement", ["20", "2C", "96", "999", "ab", "7'"])
def test_an_unknown_departement_is_refused_in_french(client, customer, departement):
    make_listing(customer, "Dupont Marie")
    page = search(client, nom="dupont", departement=departement)
    assert "Département inconnu : saisissez son numéro, par exemple 75, 2A ou 974." in page
    assert "Précisez la ville" not in page  # one error for one mistake
    assert "Dupont Marie" not in page


# --- The minimum query ---------------------------------------------------------------------------

NEEDS_THREE_LETTERS = "Saisissez au moins 3 lettres du nom ou de la dénomination."
NEEDS_A_PLACE = escape(
    "Précisez la ville ou le département : l'annuaire ne cherche pas un nom dans toute la France."
)


@pytest.mark.parametrize("typed", ["", "d", "du", " D u ", "d'-u.", "é-à", "2024", "du 75", "S.A"])
def test_a_name_needs_three_letters(client, customer, typed):
    """Spaces, punctuation and digits do not count: two letters would walk the directory in 676
    searches per place."""
    make_listing(customer, "Dupont Marie")
    make_listing(customer, "Du 75 SARL")
    page = search(client, nom=typed, ville="Paris")
    assert NEEDS_THREE_LETTERS in page
    assert "Dupont Marie" not in page and "Du 75 SARL" not in page and "fiche" not in page


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("dup", "Dupont Marie"),
        ("Dûp", "Dupont Marie"),
        ("d-u-p", "D.U.P. Conseil"),
        ("d u p", "D.U.P. Conseil"),
    ],
)
def test_three_letters_are_enough(client, customer, typed, found):
    make_listing(customer, "Dupont Marie")
    make_listing(customer, "D.U.P. Conseil")
    page = search(client, nom=typed, ville="Paris")
    assert NEEDS_THREE_LETTERS not in page
    assert found in page


@pytest.mark.parametrize("place", [{}, {"ville": ""}, {"ville": " - ' "}, {"ville": "", "departement": ""}])
def test_a_name_needs_a_city_or_a_departement(client, customer, place):
    make_listing(customer, "Dupont Marie")
    page = page_of(client.get(SEARCH, {"nom": "dupont", **place}))
    assert NEEDS_A_PLACE in page and 'role="alert"' in page
    assert "Dupont Marie" not in page and "fiche" not in page


def test_a_short_name_without_a_place_gets_both_errors(client, customer):
    make_listing(customer, "Dupont Marie")
    page = page_of(client.get(SEARCH, {"nom": "du"}))
    assert NEEDS_THREE_LETTERS in page and NEEDS_A_PLACE in page
    assert "Dupont Marie" not in page


@pytest.mark.parametrize("place", [{"ville": "Paris"}, {"departement": "75"}])
def test_a_city_or_a_departement_is_enough(client, customer, place):
    make_listing(customer, "Dupont Marie")
    assert "Dupont Marie" in page_of(client.get(SEARCH, {"nom": "dupont", **place}))


def test_the_first_visit_shows_the_form_without_errors(client):
    page = page_of(client.get(SEARCH))
    assert "Saisissez au moins" not in page and "Précisez" not in page and "fiche" not in page
    assert 'role="alert"' not in page


def test_a_search_without_result_says_so(client, customer):
    make_listing(customer, "Dupont Marie")
    assert "Aucune fiche ne correspond à cette recherche." in search(client, nom="Zola")


# --- The cap on results ---------------------------------------------------------------------------

MORE = "fiches correspondent à cette recherche : seules les"
REFINE = "Affinez la recherche en précisant le nom, la ville ou le département."


def test_results_come_in_name_order_up_to_the_cap_on_one_page(client, customer, settings):
    settings.PUBLIC_DIRECTORY_MAX_RESULTS = 5
    for index in range(5):
        make_listing(customer, f"Martin {index:02d}")
    page = search(client, nom="martin")
    assert "5 fiches trouvées" in page
    assert all(f"Martin {index:02d}" in page for index in range(5))
    assert page.index("Martin 00") < page.index("Martin 01") < page.index("Martin 04")
    assert MORE not in page and "Plus de" not in page and "Page " not in page


def test_past_the_cap_the_page_says_there_are_more_but_not_how_many(client, customer, settings):
    settings.PUBLIC_DIRECTORY_MAX_RESULTS = 5
    for index in range(8):
        make_listing(customer, f"Martin {index:02d}")
    page = search(client, nom="martin")
    assert "Plus de 5 fiches correspondent à cette recherche : seules les 5 premières sont affichées." in page
    assert REFINE in page
    assert "Martin 04" in page and "Martin 05" not in page
    assert not re.search(r"\b8 fiches", page)  # the total appears nowhere
    assert "fiches trouvées" not in page and "Page " not in page and "page=" not in page
    # No pagination: asking for a further page gives the same first listings.
    again = search(client, nom="martin", page="2")
    assert "Martin 04" in again and "Martin 05" not in again


def test_the_cap_is_fifty_by_default_and_the_count_is_never_taken(client, customer):
    for index in range(51):
        make_listing(customer, f"Martin {index:03d}")
    with CaptureQueriesContext(connection) as queries:
        page = search(client, nom="martin")
    assert "Plus de 50 fiches correspondent" in page and REFINE in page
    assert "Martin 049" in page and "Martin 050" not in page
    (select,) = [query["sql"] for query in queries.captured_queries if "directory_listing" in query["sql"]]
    assert "LIMIT 51" in select and "COUNT(" not in select.upper()


def test_a_refined_search_under_the_cap_shows_its_count(client, customer, settings):
    settings.PUBLIC_DIRECTORY_MAX_RESULTS = 5
    for index in range(8):
        make_listing(customer, f"Martin {index:02d}")
    make_listing(customer, "Martinez Lucie")
    page = search(client, nom="martine")
    assert "1 fiche trouvée" in page and "Martinez Lucie" in page and "Plus de" not in page


# --- What an entry shows -------------------------------------------------------------------------


def test_an_entry_shows_what_the_subscriber_published(client, customer):
    make_listing(
        customer,
        "Dupont Marie",
        number="+33972102030",
        activity="Ostéopathe",
        line_designation="Cabinet",
        marketing_accepted=True,
    )
    page = search(client, nom="dupont")
    for shown in (
        "Dupont Marie",
        "Ostéopathe",
        "Cabinet",
        "10 rue Oberkampf",
        "75011 Paris",
        "09 72 10 20 30",
    ):
        assert shown in page
    assert "Opposé au démarchage" not in page


def test_an_entry_honours_initial_only_and_city_only(client, customer):
    listing = make_listing(customer, "Dupont M.", street="", postcode="")
    # The contact details hold the full first name and address; the directory must not show them.
    make_contact_details(listing.service, last_name="Dupont", first_name="Marie", email="marie@example.fr")
    page = search(client, nom="dupont")
    assert "Dupont M." in page and "Paris" in page
    for hidden in ("Marie", "Oberkampf", "75011", "marie@example.fr"):
        assert hidden not in page


def test_an_entry_says_when_the_subscriber_objects_to_telemarketing(client, customer):
    make_listing(customer, "Dupont Marie", marketing_accepted=False)
    assert "Opposé au démarchage" in search(client, nom="dupont")


def test_control_characters_in_the_input_are_dropped(client, customer):
    make_listing(customer, "Dupont Marie")
    page = search(client, nom="\u202edupont\u200b", ville="Par\x07is\t")
    assert "Dupont Marie" in page
    assert 'value="dupont"' in page and 'value="Paris"' in page


def test_an_overlong_input_is_refused(client, customer):
    make_listing(customer, "Dupont Marie")
    page = search(client, nom="dupont" + "x" * 5000)
    assert "Dupont Marie" not in page
    assert f'value="dupont{"x" * 95}"' in page  # echoed cut, one past the limit
    assert "au plus 100 caractères" in page


# --- Reverse search -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["09 72 10 20 30", "0972102030", "+33972102030", "0033 9 72 10 20 30"])
def test_the_reverse_search_finds_a_number_typed_any_usual_way(client, customer, typed):
    make_listing(customer, "Dupont Marie", number="+33972102030", marketing_accepted=False)
    page = page_of(client.get(REVERSE, {"numero": typed}))
    assert "Dupont Marie" in page and "09 72 10 20 30" in page and "Opposé au démarchage" in page


@pytest.mark.parametrize("typed", ["09 72 10 20 30", "0972102030", "+33972102030", "0033 9 72 10 20 30"])
def test_a_number_kept_out_of_the_reverse_directory_is_not_found(client, customer, typed):
    make_listing(customer, "Dupont Marie", number="+33972102030", reverse_search=False)
    page = page_of(client.get(REVERSE, {"numero": typed}))
    assert "Dupont Marie" not in page
    assert "Aucune fiche de l'annuaire inversé ne correspond à ce numéro." in page
    assert "Dupont Marie" in search(client, nom="dupont")  # still listed, by name


def _without_echo(page, typed):
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)  # different on every page
    return page.replace(typed, "NUMBER")


def test_a_number_kept_out_of_the_reverse_directory_looks_exactly_like_an_unknown_one(client, customer):
    make_listing(customer, "Dupont Marie", number="+33972102030", reverse_search=False)
    listed = page_of(client.get(REVERSE, {"numero": "0972102030"}))
    unknown = page_of(client.get(REVERSE, {"numero": "0972102039"}))
    assert _without_echo(listed, "0972102030") == _without_echo(unknown, "0972102039")


@pytest.mark.parametrize("typed", ["12", "09 72 AB 20 30", "<script>", "+33 9 72 10 20 30 40 50 60"])
def test_the_reverse_search_refuses_what_is_not_a_number(client, typed):
    page = page_of(client.get(REVERSE, {"numero": typed}))
    assert escape("Ce numéro de téléphone n'est pas valide.") in page
    assert "Aucune fiche" not in page


def test_the_reverse_search_asks_for_a_number(client):
    assert "Saisissez un numéro de téléphone." in page_of(client.get(REVERSE, {"numero": ""}))


# --- Indexes ---------------------------------------------------------------------------------------

SURNAMES = ["Bernard", "Dubois", "Dupont", "Durand", "Fournier", "Girard", "Lambert", "Laurent",
            "Lefebvre", "Leroy", "Martin", "Moreau", "Morel", "Petit", "Richard", "Robert", "Roux",
            "Simon", "Thomas", "Vincent"]  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize(
    "search",
    [
        {"name": "dup"},
        {"name": "dup", "city": "Lyon"},
        {"name": "dup", "departement": "69"},
        {"name": "st"},  # SAINT% or ST%: two prefixes
    ],
    ids=["name", "city-and-name", "departement-and-name", "abbreviation"],
)
def test_the_name_prefix_search_is_an_index_scan_whatever_the_collation(customer, search):
    account = customer.billing_accounts.get()
    services = Service.objects.bulk_create(
        Service(billing_account=account, kind=Service.Kind.LINE, number=f"+33972{index:06d}")
        for index in range(2000)
    )
    cities = [("Paris", "75"), ("Lyon", "69"), ("Lille", "59"), ("Nantes", "44")]
    listings = []
    for index, service in enumerate(services):
        name = f"{SURNAMES[index % len(SURNAMES)]} {index:04d}"
        city, departement = cities[index % len(cities)]
        listings.append(
            Listing(
                service=service,
                number=service.number,
                national_number=service.number,
                name=name,
                name_search=search_key(name),
                city=city,
                city_search=normalise_place_name(city),
                departement=departement,
                marketing_accepted=True,
                reverse_search=True,
                published_at=PUBLISHED_AT,
            )
        )
    Listing.objects.bulk_create(listings)
    sql, params = matching_listings(**search)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on directory_listing" not in plan, plan
    assert "Index" in plan and "listing_" in plan, plan
