"""The public directory (/annuaire/): search, reverse search, what an entry shows, the rate limit."""

import re
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from directory.listing import search_key
from directory.models import Listing
from directory.throttle import client_address, hit
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
    page = search(client, nom="St")
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
    assert "Dupont Marie" not in page


@pytest.mark.parametrize("typed", ["", "d", " D ", "d'-", "é"])
def test_a_name_needs_two_letters_or_digits(client, customer, typed):
    make_listing(customer, "Dupont Marie")
    page = search(client, nom=typed)
    assert "Saisissez au moins 2 lettres ou chiffres du nom ou de la dénomination." in page
    assert "Dupont Marie" not in page


def test_the_first_visit_shows_the_form_without_errors(client):
    page = page_of(client.get(SEARCH))
    assert "Saisissez au moins" not in page and "fiche" not in page


def test_a_search_without_result_says_so(client, customer):
    make_listing(customer, "Dupont Marie")
    assert "Aucune fiche ne correspond à cette recherche." in search(client, nom="Zola")


def test_results_come_in_name_order_twenty_per_page(client, customer):
    for index in range(25):
        make_listing(customer, f"Martin {index:02d}")
    first = search(client, nom="martin")
    assert "25 fiches trouvées" in first
    assert "Martin 00" in first and "Martin 19" in first and "Martin 20" not in first
    assert first.index("Martin 00") < first.index("Martin 01")
    assert "Page 1 sur 2" in first and 'href="?nom=martin&amp;page=2"' in first
    second = search(client, nom="martin", page="2")
    assert "Martin 20" in second and "Martin 24" in second and "Martin 19" not in second


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


# --- Rate limit ----------------------------------------------------------------------------------


@pytest.fixture
def limit_of_three(settings):
    settings.PUBLIC_DIRECTORY_RATE_LIMIT = 3
    settings.PUBLIC_DIRECTORY_RATE_WINDOW = 60


def test_a_client_over_the_limit_gets_429_with_retry_after(client, limit_of_three):
    for _ in range(3):
        assert client.get(SEARCH, {"nom": "dupont"}).status_code == 200
    response = client.get(SEARCH, {"nom": "dupont"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Vous avez fait beaucoup de recherches en peu de temps." in response.content.decode()


def test_search_and_reverse_search_share_the_limit(client, limit_of_three):
    client.get(SEARCH, {"nom": "dupont"})
    client.get(REVERSE, {"numero": "0972102030"})
    client.get(SEARCH)
    assert client.get(REVERSE, {"numero": "0972102030"}).status_code == 429


def test_another_address_is_not_limited(client, limit_of_three):
    for _ in range(4):
        client.get(SEARCH, REMOTE_ADDR="192.0.2.1")
    assert client.get(SEARCH, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.get(SEARCH, REMOTE_ADDR="192.0.2.2").status_code == 200


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(client, limit_of_three):
    for index in range(3):
        client.get(SEARCH, headers={"x-forwarded-for": f"198.51.100.{index}"})
    assert client.get(SEARCH, headers={"x-forwarded-for": "198.51.100.9"}).status_code == 429


def test_behind_trusted_proxies_the_client_is_taken_from_x_forwarded_for(settings):
    settings.PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT = 2
    # The client wrote the first entry itself; our two proxies appended the next two.
    request = RequestFactory().get(
        SEARCH, REMOTE_ADDR="10.0.0.2", headers={"x-forwarded-for": "203.0.113.66, 198.51.100.7, 10.0.0.1"}
    )
    assert client_address(request) == "198.51.100.7"
    # Not through the proxies (header missing or too short): the peer is the client.
    request = RequestFactory().get(SEARCH, REMOTE_ADDR="192.0.2.5", headers={"x-forwarded-for": "10.0.0.1"})
    assert client_address(request) == "192.0.2.5"


def test_the_counter_starts_again_with_the_next_window(limit_of_three):
    assert [hit("192.0.2.1", now=100.0) for _ in range(3)] == [None, None, None]
    assert hit("192.0.2.1", now=100.5) == 20  # the window of 60 s that started at 60 ends at 120
    assert hit("192.0.2.1", now=120.0) is None


def test_an_ipv6_client_is_counted_by_its_64_block():
    factory = RequestFactory()
    first = client_address(factory.get(SEARCH, REMOTE_ADDR="2001:db8:1:2::1"))
    second = client_address(factory.get(SEARCH, REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    assert first == second == "2001:db8:1:2::/64"


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
    sql, params = matching_listings(**search)[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_listing")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on directory_listing" not in plan, plan
    assert "Index" in plan and "listing_" in plan, plan
