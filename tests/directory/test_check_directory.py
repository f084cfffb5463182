"""check_directory finds every kind of difference between the publishers and the subscribers'
choices; the next full run repairs them; the admin shows the last check."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from directory.models import Delivery, DirectoryCheck, Listing, Publication, SyncRun
from directory.sync import directory_sync_run
from tests.directory.oracle import assert_converged
from tests.factories import make_scheduled_services, make_staff

pytestmark = pytest.mark.django_db


def check(*arguments):
    out = StringIO()
    try:
        call_command("check_directory", *arguments, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_a_clean_directory_passes_and_the_check_is_recorded(customer):
    make_scheduled_services(customer, 4)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    out, failure = check()
    assert failure is None and "exactement ce que les abonnés ont choisi" in out
    assert DirectoryCheck.objects.latest("at").differences == 0


def test_each_kind_of_difference_is_found_then_repaired_by_the_next_full_run(customer):
    services = make_scheduled_services(customer, 6)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    missing, stale, orphan, untracked, lost, exposed = services
    Listing.objects.filter(service=stale).update(name="Quelqu'un d'autre")
    Publication.objects.filter(service=orphan).update(listed=False, status="none", in_directory=False)
    Publication.objects.filter(service=untracked).update(status="scheduled", in_directory=False)
    Delivery.objects.filter(service=lost).update(digest="0" * 32)
    Listing.objects.filter(service=exposed).update(street="10 rue Oberkampf")
    Publication.objects.filter(service=exposed).update(address_display="city")
    vanished = Listing.objects.get(service=missing)
    Listing.objects.filter(service=missing).delete()
    vanished.service_id, vanished.number = 10**9, "+33199999999"  # a service deleted without its entry
    vanished.save(force_insert=True)

    out, failure = check("--verbose")
    assert failure and "écart" in failure
    counts = DirectoryCheck.objects.latest("at").counts
    assert counts["annuaire"] == {"missing": 1, "stale": 2, "orphan": 2, "untracked": 1, "exposed": 2}
    assert counts["file"] == {"missing": 0, "stale": 2, "orphan": 1, "untracked": 1}
    assert f"services : {missing.pk}" in out

    repair = directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    assert (repair.status, repair.repaired) == ("succeeded", 7)
    assert not Listing.objects.filter(service=orphan).exists()
    assert not Listing.objects.filter(service_id=10**9).exists()
    assert Listing.objects.get(service=exposed).street == ""
    assert_converged()
    assert check()[1] is None


def test_the_sync_runs_page_shows_the_last_check(client, customer):
    make_scheduled_services(customer, 2)
    directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
    Listing.objects.all().delete()
    check()
    client.force_login(make_staff("olga", group="ops"))
    page = client.get(reverse("admin:directory_syncrun_changelist")).content.decode()
    assert "Dernier contrôle des annuaires" in page and "2 écarts" in page
