"""/metrics: Prometheus text with request, database and the operator's own figures, to the
allowed networks only."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.models import SyncRun
from tests.factories import make_scheduled_services, make_service

pytestmark = pytest.mark.django_db


def scrape(client, address="127.0.0.1"):
    return client.get(reverse("metrics"), REMOTE_ADDR=address)


def value(text, line_start):
    """The value of the sample line that starts with `line_start` (name and labels)."""
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{line_start} not in the metrics")


def test_only_the_allowed_networks_get_the_metrics(client, settings):
    import ipaddress

    assert scrape(client, "203.0.113.9").status_code == 404
    assert scrape(client, "::1").status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
    assert scrape(client, "10.1.2.3").status_code == 200
    assert scrape(client, "127.0.0.1").status_code == 404
    # A client-written X-Forwarded-For changes nothing (no trusted proxy).
    response = client.get(reverse("metrics"), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert response.status_code == 404
    # What comes through one of our proxies is the public's traffic, whatever it says it is.
    settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES = (ipaddress.ip_network("10.9.0.0/16"),)
    settings.METRICS_ALLOWED_NETWORKS = (ipaddress.ip_network("10.0.0.0/8"),)
    assert scrape(client, "10.9.0.1").status_code == 404
    assert (
        client.get(reverse("metrics"), REMOTE_ADDR="10.9.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code
        == 404
    )


def test_the_last_sync_run_and_the_waiting_records_appear(client, customer, communes, settings):
    settings.DIRECTORY_SYNC_BATCH_SIZE = 10
    make_scheduled_services(customer, 25)
    make_service(customer, number="+33199000099")  # active, without contact details
    text = scrape(client).content.decode()
    assert value(text, 'telecom_publications{status="scheduled"}') == 25
    assert value(text, "telecom_directory_oldest_scheduled_age_seconds") >= 0
    assert value(text, "telecom_emergency_services_without_address") == 1
    assert "telecom_directory_last_sync_duration_seconds" not in text  # no run yet

    call_command("sync_directory", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115
    run = SyncRun.objects.get()
    text = scrape(client).content.decode()
    assert value(text, 'telecom_directory_last_sync_outcome{outcome="succeeded"}') == 1
    assert value(text, 'telecom_directory_last_sync_outcome{outcome="failed"}') == 0
    assert value(text, 'telecom_directory_last_sync_records{action="added"}') == run.added == 25
    assert value(text, "telecom_directory_last_sync_batches_failed") == 0
    assert (
        value(text, "telecom_directory_last_sync_finished_timestamp_seconds") == run.finished_at.timestamp()
    )
    assert value(text, 'telecom_publications{status="synced"}') == 25
    assert value(text, "telecom_directory_oldest_scheduled_age_seconds") == 0
    # Requests and database queries, counted by django-prometheus.
    assert "django_http_requests_total_by_method_total" in text
    assert "django_db_execute_total" in text


def test_no_label_or_value_carries_personal_data(client, customer, communes):
    services = make_scheduled_services(customer, 3)
    text = scrape(client).content.decode()
    assert "Durand" not in text and "Abonné" not in text and "Voltaire" not in text
    for service in services:
        assert service.number_digits not in text and service.number_digits[2:] not in text


def test_customer_emails_appear_by_kind_and_state(client, customer, communes):
    from notifications.models import CustomerEmail
    from notifications.services import details_reminders_plan

    make_service(customer)  # without contact details: this month's reminder
    customer.email = ""
    customer.save()
    details_reminders_plan()
    text = scrape(client).content.decode()
    assert value(text, 'telecom_customer_emails{kind="reminder",state="pending"}') == 1
    CustomerEmail.objects.update(state=CustomerEmail.State.FAILED)
    text = scrape(client).content.decode()
    assert value(text, 'telecom_customer_emails{kind="reminder",state="failed"}') == 1
