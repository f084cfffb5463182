import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from customer_api.models import ApiApplication, ConsumerKey
from directory.models import Publication
from lines.models import BillingAccount, ContactDetails, Service

pytestmark = pytest.mark.django_db


def demo_snapshot():
    return {
        "users": get_user_model().objects.count(),
        "accounts": BillingAccount.objects.count(),
        "services": Service.objects.count(),
        "details": ContactDetails.objects.count(),
        "statuses": sorted(Publication.objects.values_list("status", flat=True)),
    }


def test_load_demo_twice_gives_the_same_data(settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = demo_snapshot()
    call_command("load_demo")
    assert demo_snapshot() == first


def test_the_demo_customer_has_what_the_panel_needs_to_show(settings):
    settings.DEBUG = True
    call_command("load_demo")
    demo = get_user_model().objects.get(username="demo")
    services = Service.objects.owned_by(demo)
    assert demo.check_password("demo")
    assert demo.billing_accounts.count() == 2
    assert services.count() >= 12
    assert {"line", "number"} == set(services.values_list("kind", flat=True))
    assert services.filter(contact_details__isnull=True).exists()
    legal_forms = set(
        ContactDetails.objects.filter(service__in=services).values_list("legal_form", flat=True)
    )
    assert legal_forms == {"individual", "professional", "company"}
    statuses = list(Publication.objects.filter(service__in=services).values_list("status", flat=True))
    assert statuses.count("scheduled") >= 1 and statuses.count("error") == 1 and "synced" in statuses
    assert Service.objects.owned_by(get_user_model().objects.get(username="autre")).exists()
    support = get_user_model().objects.get(username="support")
    assert support.is_staff and support.groups.filter(name="support").exists()
    # Nothing secret: the demo's passwords are public, so it gives no API application or key.
    assert not ApiApplication.objects.exists() and not ConsumerKey.objects.exists()


def test_load_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not get_user_model().objects.filter(username="demo").exists()


def test_load_demo_runs_without_debug_when_forced(settings):
    settings.DEBUG = False
    call_command("load_demo", "--force")
    assert get_user_model().objects.filter(username="demo").exists()


def test_the_demo_sync_tells_its_customers_each_in_their_language(
    settings, django_capture_on_commit_callbacks
):
    """With `make run` the console back-end prints these: the e-mails are part of the demo."""
    from django.core import mail

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {
        "demo@example.org": "Annuaires : une de vos fiches n'a pas pu être publiée",
        "autre@example.org": "Directories: your listings were updated",
    }


def test_the_demo_has_overseas_services_played_like_the_others(settings):
    """A line in Réunion and a mobile number in Guadeloupe, each installed in its territory, with
    the RIO computed over its national form (issue 13)."""
    from directory.models import Listing
    from lines.phone import describe
    from lines.rio import key_matches, parse_rio

    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for number, departement, contract_type in (("+262262990101", "974", "F"), ("+590690990102", "971", "P")):
        service = Service.objects.select_related("contact_details").get(number=number)
        assert service.billing_account.owner.username == "demo"
        assert service.contact_details.departement == departement
        assert departement in describe(number).territory.departements
        assert service.rio[2] == contract_type
        assert key_matches(parse_rio(service.rio), describe(number).national)
    listing = Listing.objects.get(number="+262262990101")
    assert (listing.national_number, listing.city, listing.departement) == (
        "0262 99 01 01",
        "Saint-Denis",
        "974",
    )
