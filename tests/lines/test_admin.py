"""Django admin as support: find, see, act; and what nobody but a superuser may do."""

from urllib.parse import urlencode

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from directory.models import Publication, SyncRun
from lines.models import ContactDetails, ServiceChange
from lines.services import contact_details_apply, contact_details_copy
from tests.factories import (
    COMPANY_DETAILS,
    INDIVIDUAL_DETAILS,
    make_contact_details,
    make_service,
    make_staff,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/lines/service/"


@pytest.fixture
def support(client, support_staff):
    client.force_login(support_staff)
    return client


@pytest.fixture
def listed_service(customer):
    """A company's number, published and synced."""
    service = make_service(customer, number="+33972102030", label="Standard")
    contact_details_apply(service=service, details={**COMPANY_DETAILS, "email": "Contact@Exemple.fr"},
                          publication={"listed": True}, actor=customer)  # fmt: skip
    Publication.objects.filter(service=service).update(status="synced", in_directory=True)
    return service


def rows(response):
    return [service.number_digits for service in response.context["cl"].result_list]


def test_the_changelist_lists_services_with_their_holder(support, listed_service, customer):
    make_service(customer, number="+33199000001")
    response = support.get(CHANGELIST)
    page = response.content.decode()
    assert response.status_code == 200
    assert "09 72 10 20 30" in page and "Exemple SA" in page and "Coordonnées manquantes" in page


@pytest.mark.parametrize(
    "typed", ["09 72 10 20 30", "0972102030", "+33972102030", "0033 9 72 10 20 30", "09.72.10"]
)
def test_a_number_is_found_in_every_usual_form(support, listed_service, customer, typed):
    make_service(customer, number="+33199000001")
    assert rows(support.get(CHANGELIST, {"q": typed})) == ["33972102030"]


@pytest.mark.parametrize(
    "typed",
    [
        "73282932000074",
        "732 829 320 00074",
        "contact@exemple.fr",
        "al10001-1",
        "alice",
        "exemple",
        "EXEMPLE S",
    ],
)
def test_a_service_is_found_by_siret_email_account_customer_or_name(support, listed_service, customer, typed):
    other = make_service(customer, number="+33199000001")
    make_contact_details(other)
    found = rows(support.get(CHANGELIST, {"q": typed}))
    assert "33972102030" in found
    if typed not in {"al10001-1", "alice"}:
        assert found == ["33972102030"]


def test_a_person_is_found_by_the_start_of_their_last_name(support, customer):
    service = make_service(customer)
    make_contact_details(service, last_name="Durand-Lefèvre")
    assert rows(support.get(CHANGELIST, {"q": "durand"})) == [service.number_digits]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind__exact": "number"}, {"33199000002"}),
        ({"contact_details__legal_form__exact": "company"}, {"33972102030"}),
        ({"departement": "75"}, {"33199000002"}),
        ({"publication__status__exact": "synced"}, {"33972102030"}),
        ({"coordonnees": "manquantes"}, {"33199000003"}),
        ({"coordonnees": "renseignees"}, {"33972102030", "33199000002"}),
        ({"state__exact": "active"}, {"33972102030", "33199000002", "33199000003"}),
    ],
)
def test_each_filter(support, listed_service, customer, filters, expected):
    make_contact_details(make_service(customer, number="+33199000002", kind="number"))
    make_service(customer, number="+33199000003")
    response = support.get(CHANGELIST + "?" + urlencode(filters))
    assert response.status_code == 200
    assert set(rows(response)) == expected


def test_the_change_page_shows_details_publication_history_and_sync_runs(support, listed_service, customer):
    from directory.sync import directory_sync_run

    Publication.objects.filter(service=listed_service).update(status="scheduled", in_directory=False)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    response = support.get(reverse("admin:lines_service_change", args=[listed_service.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Exemple SA" in page and "73282932000074" in page and "69123" in page
    assert "Synchronisé" in page and "historique des modifications" in page.lower()
    assert f"#{SyncRun.objects.get().pk}</a>" in page
    assert "alice" in page  # the history names the customer who made the change


def test_status_fields_cannot_be_edited_and_services_cannot_be_deleted_by_support(support, listed_service):
    response = support.get(reverse("admin:lines_service_change", args=[listed_service.pk]))
    assert 'name="status"' not in response.content.decode()
    assert (
        support.post(
            reverse("admin:lines_service_delete", args=[listed_service.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert support.get(reverse("admin:directory_syncrun_changelist")).status_code == 200


def test_support_edits_contact_details_through_the_panels_service_with_history(
    support, listed_service, support_staff
):
    url = reverse("admin:lines_contactdetails_change", args=[listed_service.pk])
    form = support.get(url)
    assert form.status_code == 200 and 'value="Exemple SA"' in form.content.decode()
    data = {**COMPANY_DETAILS, "company_name": "Exemple Groupe", "country": "FR", "listed": "True",
            "marketing_accepted": "False", "reverse_search": "False", "name_display": "full",
            "address_display": "full", "line_designation": "", "street_number": ""}  # fmt: skip
    response = support.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ContactDetails.objects.get(service=listed_service).company_name == "Exemple Groupe"
    change = ServiceChange.objects.filter(service=listed_service).first()
    assert (change.actor, change.source, change.changes["company_name"]) == (
        support_staff,
        "admin",
        ["Exemple SA", "Exemple Groupe"],
    )
    assert Publication.objects.get(service=listed_service).status == "scheduled"  # published content changed
    assert LogEntry.objects.filter(user=support_staff).exists()


def test_an_invalid_siret_is_refused_in_the_admin_too(support, listed_service):
    url = reverse("admin:lines_contactdetails_change", args=[listed_service.pk])
    data = {**COMPANY_DETAILS, "siret": "73282932000079", "country": "FR", "listed": "True",
            "marketing_accepted": "False", "reverse_search": "False", "street_number": ""}  # fmt: skip
    response = support.post(url, data)
    assert response.status_code == 200 and "clé de contrôle" in response.content.decode()
    assert ContactDetails.objects.get(service=listed_service).siret == "73282932000074"


def test_support_adds_missing_details(support, customer, support_staff):
    service = make_service(customer)
    data = {**INDIVIDUAL_DETAILS, "service": service.pk, "country": "FR", "listed": "False",
            "marketing_accepted": "False", "reverse_search": "False"}  # fmt: skip
    response = support.post(reverse("admin:lines_contactdetails_add"), data)
    assert response.status_code == 302
    assert ContactDetails.objects.get(service=service).updated_by == support_staff


def test_the_requeue_action(support, listed_service, support_staff):
    Publication.objects.filter(service=listed_service).update(status="error", error_reason="Refus")
    response = support.post(
        CHANGELIST, {"action": "requeue", "_selected_action": [listed_service.pk]}, follow=True
    )
    assert response.status_code == 200
    publication = Publication.objects.get(service=listed_service)
    assert (publication.status, publication.error_reason) == ("scheduled", "")
    change = ServiceChange.objects.filter(service=listed_service).first()
    assert (change.actor, change.changes) == (support_staff, {"publication.status": ["error", "scheduled"]})


def test_the_withdraw_action(support, listed_service, support_staff):
    support.post(CHANGELIST, {"action": "withdraw", "_selected_action": [listed_service.pk]})
    publication = Publication.objects.get(service=listed_service)
    assert (publication.status, publication.listed, publication.in_directory) == ("scheduled", False, True)
    change = ServiceChange.objects.filter(service=listed_service).first()
    assert (change.actor, change.source, change.changes) == (
        support_staff,
        "admin",
        {"publication.listed": [True, False]},
    )


def test_the_export_action(support, listed_service):
    response = support.post(CHANGELIST, {"action": "export_csv", "_selected_action": [listed_service.pk]})
    content = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert content.splitlines()[1].startswith(
        "09 72 10 20 30,line,Standard,al10001-1,alice,company,Exemple SA,7328"
    )


def test_ops_start_a_sync_run_from_the_admin_and_a_second_is_refused(client, listed_service):
    ops = make_staff("olga", group="ops")
    client.force_login(ops)
    Publication.objects.filter(service=listed_service).update(status="scheduled", in_directory=False)
    url = reverse("admin:directory_syncrun_start")
    assert (
        "Lancer une synchronisation"
        in client.get(reverse("admin:directory_syncrun_changelist")).content.decode()
    )
    client.post(url)
    run = SyncRun.objects.get()
    assert (run.trigger, run.started_by, run.status, run.added) == ("admin", ops, "succeeded", 1)
    SyncRun.objects.filter(pk=run.pk).update(status="running")
    response = client.post(url, follow=True)
    assert "déjà en cours" in response.content.decode()
    assert SyncRun.objects.count() == 1


def test_support_may_not_start_a_sync(support):
    assert support.post(reverse("admin:directory_syncrun_start")).status_code == 403


def test_a_customer_gets_no_admin_page(client, customer, listed_service):
    client.force_login(customer)
    for url in (CHANGELIST, reverse("admin:lines_service_change", args=[listed_service.pk]), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_bulk_change_and_an_admin_edit_both_leave_history_with_their_actor(
    support, customer, support_staff
):
    source, target = make_service(customer), make_service(customer)
    make_contact_details(source)
    contact_details_copy(source_service=source, targets=[target], actor=customer)
    data = {**INDIVIDUAL_DETAILS, "first_name": "Claire-Anne", "country": "FR", "listed": "False",
            "marketing_accepted": "False", "reverse_search": "False"}  # fmt: skip
    support.post(reverse("admin:lines_contactdetails_change", args=[target.pk]), data)
    history = list(ServiceChange.objects.filter(service=target).order_by("pk").values_list("actor", "source"))
    assert history == [(customer.pk, "bulk"), (support_staff.pk, "admin")]


def test_only_a_superuser_terminates_and_the_listing_then_leaves_the_directory(
    client, support, listed_service
):
    from django.contrib.auth import get_user_model

    from directory.models import Listing
    from directory.sync import directory_sync_run

    Publication.objects.filter(service=listed_service).update(status="scheduled", in_directory=False)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert Listing.objects.filter(service=listed_service).exists()
    support.post(CHANGELIST, {"action": "terminate", "_selected_action": [listed_service.pk]})
    listed_service.refresh_from_db()
    assert listed_service.state == "active"  # support may not

    boss = get_user_model().objects.create_superuser("boss", password="x")
    client.force_login(boss)
    client.post(CHANGELIST, {"action": "terminate", "_selected_action": [listed_service.pk]})
    listed_service.refresh_from_db()
    publication = Publication.objects.get(service=listed_service)
    assert (listed_service.state, publication.status, publication.listed) == (
        "terminated",
        "scheduled",
        False,
    )
    change = ServiceChange.objects.filter(service=listed_service).first()
    assert change.actor == boss and change.changes["state"] == ["active", "terminated"]
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert not Listing.objects.filter(service=listed_service).exists()
    assert Publication.objects.get(service=listed_service).status == "none"


ADMIN_INDIVIDUAL = {**INDIVIDUAL_DETAILS, "country": "FR", "listed": "False", "marketing_accepted": "False",
                    "reverse_search": "False"}  # fmt: skip


def test_an_overseas_number_with_an_address_elsewhere_is_a_form_error_in_the_admin(support, customer):
    service = make_service(customer, number="+590590201234")
    response = support.post(
        reverse("admin:lines_contactdetails_add"), {**ADMIN_INDIVIDUAL, "service": service.pk}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "son adresse d'installation doit s'y trouver" in errors["postcode"][0]
    assert not ContactDetails.objects.filter(service=service).exists()


def test_support_picks_the_commune_among_those_the_admin_form_offers(support, customer):
    service = make_service(customer)
    url = reverse("admin:lines_contactdetails_add")
    data = {**ADMIN_INDIVIDUAL, "service": service.pk, "postcode": "58120", "city": "Toto"}
    response = support.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="commune_choice" value="58062"' in body and 'value="58063"' in body
    response = support.post(url, {**data, "commune_choice": "58062"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ContactDetails.objects.get(service=service).commune_id == "58062"


def test_a_refusal_raised_while_saving_is_no_server_error(support, customer, monkeypatch):
    """What clean() cannot foresee (the reference data or the service changed in between) is said
    beside the form, never a 500."""
    from lines import admin as lines_admin
    from lines.communes import LocationError

    def refused(**kwargs):
        raise LocationError("gone", [])

    monkeypatch.setattr(lines_admin, "contact_details_apply", refused)
    service = make_service(customer)
    response = support.post(
        reverse("admin:lines_contactdetails_add"), {**ADMIN_INDIVIDUAL, "service": service.pk}
    )
    assert response.status_code in {200, 302}
    assert not ContactDetails.objects.filter(service=service).exists()
    assert not LogEntry.objects.exists()
