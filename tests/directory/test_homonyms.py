"""The first-name-initial option and homonyms (CPCE R.10 3°, issue 13 item 4): refused at edit
time when another listing of the commune would print alike (panel, API, admin, bulk apply), and
refused again by the sync when two listings became alike since (directory.staging's `problem`)."""

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from customer_api.directory_info import InvalidDirectoryInfo, directory_update
from directory.drift import directory_check
from directory.listing import initial_name_key
from directory.models import NAME_SEARCH_LENGTH, Publication, SyncRun
from directory.services import HomonymRefused
from directory.staging import TABLE, stage_batch
from directory.sync import directory_sync_run
from lines.models import ContactDetails, Service
from lines.services import contact_details_apply, contact_details_copy
from tests.factories import INDIVIDUAL_DETAILS, make_contact_details, make_customer, make_service

pytestmark = pytest.mark.django_db
INITIAL = {"listed": True, "marketing_accepted": False, "reverse_search": False, "name_display": "initial",
           "address_display": "full", "line_designation": ""}  # fmt: skip
FULL = {**INITIAL, "name_display": "full"}
JEAN = {**INDIVIDUAL_DETAILS, "last_name": "Dupont", "first_name": "Jean"}  # 75011 Paris
JACQUES = {**JEAN, "first_name": "Jacques"}
POST = {**{name: str(value) for name, value in JACQUES.items()}, "country": "FR",
        **{name: str(value) for name, value in INITIAL.items()}}  # fmt: skip


def publish(owner, details, choices=INITIAL, number=None):
    service = make_service(owner, number=number)
    contact_details_apply(service=service, details=dict(details), publication=dict(choices), actor=owner)
    return service


def test_the_panel_refuses_the_initial_beside_the_option_and_saves_nothing(client, customer, other_customer):
    publish(other_customer, JEAN)  # Dupont J. in Paris
    service = make_service(customer)
    client.force_login(customer)
    response = client.post(reverse("service_contact_edit", args=[service.number_digits]), POST)
    assert response.status_code == 400
    errors = response.context["publication_form"].errors["name_display"]
    assert "« Dupont J. »" in errors[0] and "article R.10" in errors[0] and "prénom complet" in errors[0]
    assert not ContactDetails.objects.filter(service=service).exists()
    # The full first name is allowed.
    response = client.post(reverse("service_contact_edit", args=[service.number_digits]),
                           {**POST, "name_display": "full"})  # fmt: skip
    assert response.status_code == 302
    assert Publication.objects.get(service=service).name_display == "full"


@pytest.mark.parametrize(
    ("theirs", "their_choices", "ours", "refused"),
    [
        (JEAN, INITIAL, JACQUES, True),
        # Case and accents aside: "LEFEVRE E." prints like "Lefèvre É.".
        (
            {**JEAN, "last_name": "Lefèvre", "first_name": "Élodie"},
            INITIAL,
            {**JEAN, "last_name": "LEFEVRE", "first_name": "emile"},
            True,
        ),
        # Their full first name is a lone letter: "Dupont J." printed in full.
        ({**JEAN, "first_name": "J."}, FULL, JACQUES, True),
        ({**JEAN, "first_name": "J"}, FULL, JACQUES, True),
        # They print their full first name: "Dupont Jean" and "Dupont J." do not print alike.
        (JEAN, FULL, JACQUES, False),
        # Another commune (Paris is one commune: its arrondissements are not).
        (JEAN, INITIAL, {**JACQUES, "postcode": "69003", "city": "Lyon"}, False),
        (JEAN, INITIAL, {**JACQUES, "postcode": "75015", "city": "Paris"}, True),
        # Another initial or another name.
        (JEAN, INITIAL, {**JACQUES, "first_name": "Marc"}, False),
        (JEAN, INITIAL, {**JACQUES, "last_name": "Dupond"}, False),
        # The same full first name: two Dupont Jean print alike in full too, the initial adds nothing.
        (JEAN, INITIAL, JEAN, False),
        # Not listed: nobody reads it.
        (JEAN, {**INITIAL, "listed": False}, JACQUES, False),
    ],
)
def test_who_is_a_homonym(customer, other_customer, communes, theirs, their_choices, ours, refused):
    publish(other_customer, theirs, their_choices)
    service = make_service(customer)
    if refused:
        with pytest.raises(HomonymRefused):
            contact_details_apply(
                service=service, details=dict(ours), publication=dict(INITIAL), actor=customer
            )
        assert not ContactDetails.objects.filter(service=service).exists()
    else:
        contact_details_apply(service=service, details=dict(ours), publication=dict(INITIAL), actor=customer)
        assert Publication.objects.get(service=service).name_display == "initial"


def test_two_lines_of_one_subscriber_are_not_homonyms(customer, communes):
    publish(customer, JEAN)
    publish(customer, JACQUES)  # the same billing account: the subscriber's own choice
    assert Publication.objects.filter(name_display="initial", listed=True).count() == 2


def test_a_listing_the_directories_refused_makes_no_one_a_homonym(customer, other_customer, communes):
    theirs = publish(other_customer, JEAN)
    Publication.objects.filter(service=theirs).update(status="error", error_reason="Refusée")
    publish(customer, JACQUES)


def test_the_api_put_is_refused_on_displayFirstName(customer, other_customer, communes):
    publish(other_customer, JEAN)
    service = publish(customer, JACQUES, FULL)
    with pytest.raises(InvalidDirectoryInfo) as refused:
        directory_update(
            service=service, update={"displayFirstName": False}, actor=customer, application="Script"
        )
    assert refused.value.messages[0].startswith("[displayFirstName] Avec l'initiale du prénom")
    assert Publication.objects.get(service=service).name_display == "full"


def test_the_admin_says_it_beside_the_option(client, support_staff, customer, other_customer, communes):
    publish(other_customer, JEAN)
    service = publish(customer, JACQUES, FULL)
    client.force_login(support_staff)
    response = client.post(reverse("admin:lines_contactdetails_change", args=[service.pk]),
                           {**POST, "service": service.pk})  # fmt: skip
    assert response.status_code == 200
    assert "« Dupont J. »" in " ".join(response.context["adminform"].form.errors["name_display"])
    assert Publication.objects.get(service=service).name_display == "full"


def test_a_bulk_copy_reports_the_homonym_for_that_target(customer, other_customer, communes):
    publish(other_customer, JEAN)
    source = publish(customer, {**JACQUES, "postcode": "69003", "city": "Lyon"})
    target = make_service(customer)
    ContactDetails.objects.filter(service=source).update(postcode="75011", city="Paris",
                                                         commune_id="75056", arrondissement_id="75111")  # fmt: skip
    [result] = contact_details_copy(source_service=source, targets=[target], actor=customer)
    assert not result.changed and "« Dupont J. »" in result.error


def staged_problems():
    with transaction.atomic(), connection.cursor() as cursor:
        stage_batch(cursor, after_id=0, last_id=10**12)
        cursor.execute(f"SELECT service_id, problem FROM {TABLE}")
        problems = dict(cursor.fetchall())
        transaction.set_rollback(True)
    return problems


def raced(owner, details, *, status="scheduled", in_directory=False, name_display="initial"):
    """A listing saved around the edit-time check, as two edits racing leave them."""
    service = make_service(owner)
    make_contact_details(service, details)
    Publication.objects.create(service=service, listed=True, name_display=name_display, status=status,
                               in_directory=in_directory, scheduled_at=timezone.now())  # fmt: skip
    return service


def test_the_sync_refuses_listings_that_became_alike_since(customer, other_customer, communes):
    third = make_customer("carol", reference="ca30003-1")
    jean, jacques = raced(other_customer, JEAN).pk, raced(customer, JACQUES).pk
    elsewhere = raced(third, {**JACQUES, "postcode": "69003", "city": "Lyon"}).pk
    full = raced(third, {**JEAN, "first_name": "Julie"}, name_display="full").pk
    problems = staged_problems()
    assert problems[jean] == problems[jacques]
    assert problems[jean].startswith("Homonymie : une autre fiche de la commune")
    assert problems[elsewhere] is None and problems[full] is None

    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    refused = Publication.objects.get(service=jacques)
    assert refused.status == "error" and refused.error_reason.startswith("Homonymie")
    # Refused, they are in no directory: the first to save again gets the option.
    jacques, jean = Service.objects.get(pk=jacques), Service.objects.get(pk=jean)
    contact_details_apply(service=jacques, details=dict(JACQUES), publication={**INITIAL, "line_designation": "Maison"},
                          actor=customer)  # fmt: skip
    assert Publication.objects.get(service=jacques).status == "scheduled"
    with pytest.raises(HomonymRefused):
        contact_details_apply(service=jean, details=dict(JEAN), publication={**INITIAL, "line_designation": "Maison"},
                              actor=other_customer)  # fmt: skip
    assert staged_problems()[jacques.pk] is None


def test_an_accepted_listing_is_not_taken_back_because_a_later_one_raced_it(
    customer, other_customer, communes
):
    first = publish(other_customer, JEAN).pk
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert Publication.objects.get(service=first).status == "synced"
    later = raced(customer, JACQUES).pk
    drift, _check = directory_check(with_ids=True)
    assert first not in [pk for ids in drift.ids.values() for pk in ids]
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert Publication.objects.get(service=later).status == "error"
    assert Publication.objects.get(service=first).status == "synced"
    drift, _check = directory_check(with_ids=True)
    assert first not in [pk for ids in drift.ids.values() for pk in ids]


def test_a_listing_that_stays_as_it_was_is_never_refused_for_a_homonym_who_came_later(
    client, support_staff, customer, other_customer, communes
):
    """B chose the initial when no one printed alike; A then printed "Dupont J." (a lone letter in
    full, or a record of before the rule). B's other edits, the panel's, the admin's and the data
    commands', go through: only what prints anew is checked, as the sync never takes one back."""
    ours = publish(customer, JACQUES)  # Dupont J., alone in Paris
    publish(other_customer, {**JEAN, "first_name": "J."}, FULL)  # prints alike, later
    changed = contact_details_apply(service=ours, details={**JACQUES, "email": "nouveau@example.fr"},
                                    publication=dict(INITIAL), actor=customer)  # fmt: skip
    assert changed.changed and ContactDetails.objects.get(service=ours).email == "nouveau@example.fr"
    # A change of case only prints nothing new either ("DUPONT" stored before capitalisation).
    ContactDetails.objects.filter(service=ours).update(last_name="DUPONT")
    contact_details_apply(service=ours, details=dict(JACQUES), publication=dict(INITIAL), actor=customer)
    assert ContactDetails.objects.get(service=ours).last_name == "Dupont"
    client.force_login(support_staff)
    response = client.post(reverse("admin:lines_contactdetails_change", args=[ours.pk]),
                           {**POST, "service": ours.pk, "email": "support@example.fr"})  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    # Moving to another commune where someone prints alike is printing anew: refused.
    publish(other_customer, {**JEAN, "postcode": "69003", "city": "Lyon"})
    with pytest.raises(HomonymRefused):
        contact_details_apply(service=ours, details={**JACQUES, "postcode": "69003", "city": "Lyon"},
                              publication=dict(INITIAL), actor=customer)  # fmt: skip


def test_a_long_last_name_keeps_its_initial_in_the_key():
    """The key is cut to the indexed length on the last name, never on the initial: a name of 99
    letters, or one "ß" lengthens, still tells Jean from Marie."""
    for last_name in ("X" * 99, "Straß" * 20):
        jean, marie = initial_name_key(last_name, "Jean"), initial_name_key(last_name, "Marie")
        assert jean != marie and jean.endswith(" J") and marie.endswith(" M")
        assert len(jean) <= NAME_SEARCH_LENGTH
