"""The sync builds listings in SQL (directory.staging), the panel in Python (directory.listing):
both must give the same listing, on SQLite and on PostgreSQL."""

import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone

from directory.listing import listing_for
from directory.models import Publication
from directory.staging import TABLE, stage_batch
from lines.models import ContactDetails
from tests.factories import COMPANY_DETAILS, INDIVIDUAL_DETAILS, make_contact_details, make_service

pytestmark = pytest.mark.django_db
COLUMNS = ("number", "national_number", "name", "activity", "line_designation", "street", "postcode", "city",
           "departement", "marketing_accepted", "reverse_search")  # fmt: skip

DETAILS = [
    INDIVIDUAL_DETAILS,
    {**INDIVIDUAL_DETAILS, "first_name": "Élodie", "last_name": "Lefèvre-Œuvray", "street_number": None,
     "street_type": "", "address_complement": "Bâtiment B", "street_number_suffix": ""},
    {**INDIVIDUAL_DETAILS, "street_number": 3, "street_number_suffix": "bis", "street_type": "allee",
     "postcode": "20000", "city": "Ajaccio"},
    COMPANY_DETAILS,
    {**COMPANY_DETAILS, "legal_form": "professional", "profession": "Infirmière", "designation_complement": "",
     "street_type": "lieu-dit", "postcode": "97400", "city": "Saint-Denis"},
]  # fmt: skip
OPTIONS = list(itertools.product(["full", "initial"], ["full", "city"], [True, False]))


def staged_rows():
    with connection.cursor() as cursor:
        stage_batch(cursor, after_id=0, last_id=10**12)
        cursor.execute(f"SELECT service_id, {', '.join(COLUMNS)} FROM {TABLE}")
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_sql_and_python_give_the_same_listing(customer):
    numbers = iter([f"+3319900{n:04d}" for n in range(100)] + [f"+26226212{n:04d}" for n in range(100)])
    expected = {}
    for index, (details, (name_display, address_display, marketing)) in enumerate(
        itertools.product(DETAILS, OPTIONS)
    ):
        number = next(numbers) if index % 3 else f"+26226212{index:04d}"
        service = make_service(customer, number=number)
        make_contact_details(service, details)
        publication = Publication.objects.create(
            service=service, listed=True, name_display=name_display, address_display=address_display,
            marketing_accepted=marketing, reverse_search=not marketing, line_designation="Accueil",
            status="scheduled", scheduled_at=timezone.now(),
        )  # fmt: skip
        details_row = ContactDetails.objects.select_related("service").get(service=service)
        listing = listing_for(details_row, publication)
        expected[service.pk] = tuple(getattr(listing, column) for column in COLUMNS)
    with transaction.atomic():
        staged = staged_rows()
        transaction.set_rollback(True)
    normalised = {pk: tuple(bool(v) if isinstance(v, int) and i >= 9 else v for i, v in enumerate(row))
                  for pk, row in staged.items()}  # fmt: skip
    assert normalised == expected


def test_sql_and_python_agree_on_homonyms(customer, other_customer):
    """directory.services.initial_homonym (at edit time) and the staged `problem` (in the sync)
    name the same records, over owners, communes, names, display options and statuses."""
    from directory.services import initial_homonym
    from tests.factories import make_customer

    owners = [customer, other_customer, make_customer("carol", reference="ca30003-1")]
    people = [("Dupont", "Jean"), ("DUPONT", "Jacques"), ("Dupont", "J."), ("Dupont", "Jean"), ("Dupond", "Jean"),
              ("Lefèvre", "Élodie"), ("LEFEVRE", "Emile"), ("Lefevre", "É")]  # fmt: skip
    places = [("75011", "Paris"), ("75015", "Paris"), ("69003", "Lyon")]
    statuses = ["scheduled", "scheduled", "synced", "error"]
    for index, ((last_name, first_name), (postcode, city), owner) in enumerate(
        itertools.product(people, places, owners)
    ):
        service = make_service(owner, number=f"+3319901{index:04d}")
        make_contact_details(service, {**INDIVIDUAL_DETAILS, "last_name": last_name, "first_name": first_name,
                                       "postcode": postcode, "city": city})  # fmt: skip
        status = statuses[index % len(statuses)]
        Publication.objects.create(
            service=service, listed=index % 7 != 0, name_display="initial" if index % 5 else "full",
            status=status if index % 7 else "none", in_directory=status == "synced" and index % 7 != 0,
            scheduled_at=timezone.now(), error_reason="Refusée" if status == "error" else "",
        )  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        stage_batch(cursor, after_id=0, last_id=10**12)
        cursor.execute(f"SELECT service_id, problem FROM {TABLE}")
        staged = dict(cursor.fetchall())
        transaction.set_rollback(True)
    homonyms = set()
    for publication in Publication.objects.filter(status="scheduled").select_related(
        "service", "service__contact_details"
    ):
        details = publication.service.contact_details
        if publication.listed and publication.name_display == "initial" and initial_homonym(
            service=publication.service, commune_id=details.commune_id, last_name=details.last_name,
            first_name=details.first_name,
        ):  # fmt: skip
            homonyms.add(publication.service_id)
    refused = {pk for pk, problem in staged.items() if problem and problem.startswith("Homonymie")}
    assert refused == homonyms
    assert 10 < len(refused) < len(staged)  # the sample has both
