"""A billing account reassigned to another customer: its new owner reads the history of their own
time in full, and of the former owner's time only the date and the kind of each change."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from lines.models import BillingAccount, ServiceChange
from lines.services import contact_details_apply
from tests.factories import INDIVIDUAL_DETAILS, make_service

pytestmark = pytest.mark.django_db
EARLIER = "Modification antérieure au rattachement à votre compte"
# Everything of Claire Durand's that her entries hold, and her login.
FORMER_OWNERS = ("Durand", "Claire", "Oberkampf", "75011", "claire@exemple.fr", "alice")


@pytest.fixture
def claires_line(customer):
    """Alice's line, with Claire Durand's details and directory choices entered yesterday, on an
    account opened the day before."""
    service = make_service(customer, number="+33199000055")
    yesterday = timezone.now() - timedelta(days=1)
    opened = yesterday - timedelta(days=1)
    customer.billing_accounts.update(created_at=opened, owner_since=opened)
    contact_details_apply(service=service, details=INDIVIDUAL_DETAILS, publication={"listed": True},
                          actor=customer, now=yesterday)  # fmt: skip
    contact_details_apply(service=service, details={**INDIVIDUAL_DETAILS, "email": "claire@exemple.fr"},
                          publication={"listed": True, "marketing_accepted": True}, actor=customer,
                          now=yesterday + timedelta(hours=1))  # fmt: skip
    return service


def reassign_in_the_admin(client, account, new_owner):
    """As support does it: the account's change page, a new owner, save."""
    boss = get_user_model().objects.create_superuser("boss", password="x")
    client.force_login(boss)
    response = client.post(
        reverse("admin:lines_billingaccount_change", args=[account.pk]),
        {"owner": new_owner.pk, "reference": account.reference, "label": account.label, "_save": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    account.refresh_from_db()
    assert account.owner == new_owner


def page_of(client, name, service, *args):
    return client.get(reverse(name, args=[service.number_digits, *args]))


def test_the_new_owner_reads_the_former_owners_entries_without_their_details(
    client, customer, other_customer, claires_line
):
    reassign_in_the_admin(client, customer.billing_accounts.get(), other_customer)
    client.force_login(other_customer)
    response = page_of(client, "service_history", claires_line)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count(EARLIER) == 2
    assert "Informations" in page and "Adresse" in page and "Parution dans les annuaires" in page
    for value in FORMER_OWNERS:
        assert value not in page, value
    # Nor through an entry's own page: it is not theirs to open.
    for change in ServiceChange.objects.filter(service=claires_line):
        assert page_of(client, "service_change", claires_line, change.pk).status_code == 404


def test_the_new_owners_own_changes_read_in_full(client, customer, other_customer, claires_line):
    reassign_in_the_admin(client, customer.billing_accounts.get(), other_customer)
    contact_details_apply(service=claires_line, details={**INDIVIDUAL_DETAILS, "last_name": "Martin",
                          "first_name": "Paul"}, publication={"listed": False}, actor=other_customer)  # fmt: skip
    client.force_login(other_customer)
    page = page_of(client, "service_history", claires_line).content.decode()
    assert "Vous (bob)" in page and "Martin" in page and "Paul" in page
    assert page.count(EARLIER) == 2
    own = ServiceChange.objects.filter(service=claires_line).first()
    assert page_of(client, "service_change", claires_line, own.pk).status_code == 200


def test_the_former_owner_no_longer_sees_the_service(client, customer, other_customer, claires_line):
    reassign_in_the_admin(client, customer.billing_accounts.get(), other_customer)
    client.force_login(customer)
    assert page_of(client, "service_history", claires_line).status_code == 404


def test_support_still_sees_every_entry_in_the_admin(client, customer, other_customer, support_staff,
                                                      claires_line):  # fmt: skip
    reassign_in_the_admin(client, customer.billing_accounts.get(), other_customer)
    client.force_login(support_staff)
    page = client.get(reverse("admin:lines_service_change", args=[claires_line.pk])).content.decode()
    assert "Oberkampf" in page and "Durand" in page and "claire@exemple.fr" in page


def test_an_account_never_reassigned_shows_its_whole_history(client, customer, claires_line):
    client.force_login(customer)
    page = page_of(client, "service_history", claires_line).content.decode()
    assert EARLIER not in page and "Oberkampf" in page and "Vous (alice)" in page


# --- owner_since moves on every path that changes an owner, and only then ------------------------


def since(account):
    return BillingAccount.objects.values_list("owner_since", flat=True).get(pk=account.pk)


def test_owner_since_moves_when_an_update_changes_the_owner(customer, other_customer):
    account = customer.billing_accounts.get()
    start = since(account)
    BillingAccount.objects.filter(pk=account.pk).update(label="Renommé")
    assert since(account) == start
    BillingAccount.objects.filter(pk=account.pk).update(owner=customer)  # the same owner
    assert since(account) == start
    BillingAccount.objects.filter(pk=account.pk).update(owner=other_customer)
    moved = since(account)
    assert moved > start
    BillingAccount.objects.filter(pk=account.pk).update(owner_id=customer.pk)
    assert since(account) > moved


def test_owner_since_moves_with_bulk_update_and_save(customer, other_customer):
    account = customer.billing_accounts.get()
    start = since(account)
    account.owner = other_customer
    BillingAccount.objects.bulk_update([account], ["owner"])
    after_bulk = since(account)
    assert after_bulk > start
    account = BillingAccount.objects.get(pk=account.pk)
    account.label = "Renommé"
    account.save()
    assert since(account) == after_bulk
    account.owner = customer
    account.save(update_fields=["owner"])
    assert since(account) > after_bulk
    account.label = "Encore"
    account.save(update_fields=["label"])
    assert BillingAccount.objects.get(pk=account.pk).label == "Encore"


def test_an_upsert_cannot_change_an_owner_behind_owner_since(customer, other_customer):
    account = customer.billing_accounts.get()
    with pytest.raises(ValueError, match="cannot change a billing account's owner"):
        BillingAccount.objects.bulk_create(
            [BillingAccount(owner=other_customer, reference=account.reference, label=account.label)],
            update_conflicts=True, unique_fields=["reference"], update_fields=["owner"],
        )  # fmt: skip
    account.refresh_from_db()
    assert account.owner == customer


def test_a_stale_copy_saved_later_never_moves_owner_since_back(customer, other_customer):
    account = customer.billing_accounts.get()
    stale = BillingAccount.objects.get(pk=account.pk)
    BillingAccount.objects.filter(pk=account.pk).update(owner=other_customer)
    BillingAccount.objects.filter(pk=account.pk).update(owner=customer)  # and back
    back = since(account)
    stale.label = "Renommé"
    stale.save()  # the same owner as the row now holds
    assert since(account) == back


# --- migration 0006: existing accounts ----------------------------------------------------------


def test_the_migration_dates_existing_accounts_from_what_the_data_shows(
    customer, other_customer, claires_line
):
    migration = importlib.import_module("lines.migrations.0006_billingaccount_owner_since")
    alices = customer.billing_accounts.get()
    bobs = other_customer.billing_accounts.get()
    other_customer.billing_accounts.update(created_at=timezone.now() - timedelta(days=3))
    # Before the field existed: Alice's account went to Bob, and nothing recorded when.
    BillingAccount.objects.filter(pk=alices.pk).update(owner=other_customer, owner_since=alices.created_at)
    # Bob's own account changed hands in the admin, as its log says.
    reassigned_at = timezone.now() - timedelta(hours=2)
    LogEntry.objects.create(user=other_customer, content_type=ContentType.objects.get_for_model(BillingAccount),
                            object_id=str(bobs.pk), object_repr=bobs.reference, action_flag=CHANGE,
                            change_message='[{"changed": {"fields": ["Titulaire"]}}]',
                            action_time=reassigned_at)  # fmt: skip
    migration.backfill_owner_since(apps, None)
    last_by_alice = ServiceChange.objects.filter(service=claires_line).latest("at").at
    assert last_by_alice < since(alices) <= last_by_alice + timedelta(milliseconds=1)
    assert since(bobs) == reassigned_at
    untouched = get_user_model().objects.create_user("carol")
    carols = BillingAccount.objects.create(owner=untouched, reference="ca30003-1")
    migration.backfill_owner_since(apps, None)
    assert since(carols) == BillingAccount.objects.get(pk=carols.pk).created_at
