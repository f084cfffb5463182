"""A PUT's properties applied as the panel applies a form (customer_api.directory_info): what the
contract tests cannot reach deterministically (a stale read racing an edit), and the mapping's
edges (derived properties, individuals' options, way types, arrondissements, long lists)."""

import pytest

from customer_api.directory_info import (
    InvalidDirectoryInfo,
    directory_info,
    directory_update,
    parse_update,
    urban_district,
)
from directory.models import Publication
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import contact_details_apply
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(customer, communes):
    service = factories.make_service(customer, number="+33199000601")
    factories.make_contact_details(service)
    return service


def put(service, actor, **update):
    directory_update(service=service, update=update, actor=actor, application="Script")


def test_an_edit_committed_between_the_read_and_the_put_is_merged_never_undone(line, customer):
    """The API reads the service (with its details and publication) before it writes; the panel
    withdraws the listing meanwhile: the PUT of an e-mail alone must not publish it again."""
    contact_details_apply(service=line, details=dict(factories.INDIVIDUAL_DETAILS),
                          publication={"listed": True}, actor=customer)  # fmt: skip
    stale = Service.objects.select_related("contact_details", "publication").get(pk=line.pk)
    assert stale.publication.listed
    contact_details_apply(service=line, details=dict(factories.INDIVIDUAL_DETAILS),
                          publication={"listed": False}, actor=customer)  # fmt: skip
    put(stale, customer, email="claire@example.org")
    publication = Publication.objects.get(service=line)
    assert not publication.listed
    assert ContactDetails.objects.get(service=line).email == "claire@example.org"


def test_derived_properties_may_come_back_as_they_are_never_as_another_value(line, customer):
    info = directory_info(line)
    assert (info["address"], info["urbanDistrict"]) == ("10 rue Oberkampf", "11")
    put(line, customer, address="10 rue Oberkampf", urbanDistrict="11", firstName="Marie")
    put(line, customer, address="", urbanDistrict="", firstName="Marie")
    with pytest.raises(InvalidDirectoryInfo) as refused:
        put(line, customer, address="99 avenue Foch", urbanDistrict="16", firstName="Léa")
    assert refused.value.messages == [
        "[address] Calculé à partir de wayNumber, wayNumberExtra, wayType, wayName : envoyez plutôt ces propriétés.",
        "[urbanDistrict] Calculé à partir de postCode, city : envoyez plutôt ces propriétés.",
    ]
    assert ContactDetails.objects.get(service=line).first_name == "Marie"


def test_an_individuals_display_options_are_refused_on_a_company_unless_unchanged(customer, communes):
    service = factories.make_service(customer, number="+33199000602")
    factories.make_contact_details(service, factories.COMPANY_DETAILS)
    info = directory_info(service)
    put(service, customer, displayFirstName=info["displayFirstName"], lineDescription="Accueil")
    with pytest.raises(InvalidDirectoryInfo) as refused:
        put(service, customer, displayOnlyCity=True)
    assert refused.value.messages == ["[displayOnlyCity] Réservé aux particuliers (legalForm individual)."]


def test_what_a_get_gives_for_a_line_without_details_goes_back_as_a_no_op(customer, communes):
    bare = factories.make_service(customer, number="+33199000603")
    put(bare, customer, **directory_info(bare))
    assert not ContactDetails.objects.filter(service=bare).exists()
    assert not ServiceChange.objects.filter(service=bare).exists()


@pytest.mark.parametrize("typed", ["Allée", "ALL", "allee", "ALLEE", "ALLÉE"])
def test_a_way_type_by_its_code_abbreviation_or_name(line, customer, typed):
    put(line, customer, wayType=typed)
    assert ContactDetails.objects.get(service=line).street_type == "allee"
    assert directory_info(Service.objects.get(pk=line.pk))["wayType"] == "ALLÉE"  # as getWayTypes names it


@pytest.mark.parametrize(
    ("code", "district"),
    [("75101", "01"), ("75111", "11"), ("75120", "20"), ("13201", "01"), ("13216", "16"), ("69381", "01"),
     ("69383", "03"), ("69389", "09"), ("69123", ""), ("2A004", ""), (None, "")],
)  # fmt: skip
def test_the_urban_district_of_paris_marseille_and_lyon(code, district):
    assert urban_district(code) == district


def test_a_body_with_thousands_of_problems_is_answered_with_the_first_twenty():
    body = ("{" + ",".join(f'"unknown{n}": 1' for n in range(500)) + "}").encode()
    with pytest.raises(InvalidDirectoryInfo) as refused:
        parse_update(body)
    assert len(refused.value.messages) == 500
    text = str(refused.value)
    assert text.count("Unknown property") == 20 and text.endswith("; … (480 more)")


def test_an_overseas_number_with_an_address_elsewhere_is_refused_by_the_api_as_by_the_panel(
    customer, communes
):
    reunion = factories.make_service(customer, number="+262262123456")
    with pytest.raises(InvalidDirectoryInfo) as refused:
        put(reunion, customer, legalForm="individual", name="Payet", firstName="Anne", wayName="de Paris",
            postCode="75011", city="Paris")  # fmt: skip
    assert refused.value.messages == [
        "[postCode] Ce numéro est attribué pour La Réunion ou Mayotte : son adresse d'installation doit s'y trouver."
    ]
    put(reunion, customer, legalForm="individual", name="Payet", firstName="Anne", wayName="de Paris",
        postCode="97400", city="Saint-Denis")  # fmt: skip
    assert ContactDetails.objects.get(service=reunion).departement == "974"


def test_a_put_of_the_postcode_alone_moves_within_paris(line, customer):
    """The stored city is the arrondissement's official name ("Paris 11e Arrondissement"): a PUT
    of another Paris postcode alone moves the line to that postcode's arrondissement."""
    contact_details_apply(service=line, details={**factories.INDIVIDUAL_DETAILS, "postcode": "75011",
                          "city": "Paris 11e"}, publication={"listed": False}, actor=customer)  # fmt: skip
    assert ContactDetails.objects.get(service=line).city == "Paris 11e Arrondissement"
    put(line, customer, postCode="75012")
    details = ContactDetails.objects.get(service=line)
    assert (details.postcode, details.city, details.arrondissement_id) == (
        "75012",
        "Paris 12e Arrondissement",
        "75112",
    )
    with pytest.raises(InvalidDirectoryInfo):  # a city sent with its arrondissement must agree
        put(line, customer, postCode="75020", city="Paris 11e")
