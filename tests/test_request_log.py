"""One log line per request and per sync batch, with their ids; JSON with LOG_FORMAT=json; no
number or name in clear."""

import json
import logging
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from directory.models import SyncBatch, SyncRun
from telecom_panel.logging import JsonFormatter
from tests import production
from tests.factories import make_scheduled_services, make_service

pytestmark = pytest.mark.django_db


def records_of(caplog, name):
    return [record for record in caplog.records if record.name == name]


def test_one_line_per_request_with_a_masked_path(client, customer, caplog):
    caplog.set_level(logging.INFO)
    service = make_service(customer, number="+33199000042")
    client.force_login(customer)
    client.get(reverse("service_contact", args=[service.number_digits]) + "?onglet=1")
    client.get(reverse("directory_search"), {"nom": "Durand", "ville": "Paris"})
    client.get("/telephonie/09 72 10 20 30/eleonore-dupont/")  # typed by someone: a 404
    first, second, third = records_of(caplog, "telecom_panel.requests")
    assert first.getMessage().startswith("GET /telephonie/<e164:number>/coordonnees/ 200 ")
    assert (first.method, first.status, first.user_id) == ("GET", 200, customer.pk)
    assert "33199000042" not in first.getMessage() and "onglet" not in first.getMessage()
    assert second.path == "/annuaire/" and "Durand" not in second.getMessage()
    assert third.getMessage().startswith("GET (no route) 404 ") and "dupont" not in third.getMessage()


def test_a_password_reset_link_is_logged_without_its_token(client, customer, caplog):
    """The link's token signs the holder in: it must not be readable in the logs."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    caplog.set_level(logging.INFO)
    uid, token = urlsafe_base64_encode(force_bytes(customer.pk)), default_token_generator.make_token(customer)
    client.get(reverse("password_reset_confirm", args=[uid, token]))
    (line,) = records_of(caplog, "telecom_panel.requests")
    assert line.getMessage().startswith("GET /compte/mot-de-passe/nouveau/<uidb64>/<token>/ 302 ")
    assert token not in caplog.text and token.split("-")[1] not in caplog.text


def test_one_line_per_sync_batch_with_the_run_and_batch_ids(customer, communes, settings, caplog):
    caplog.set_level(logging.INFO)
    settings.DIRECTORY_SYNC_BATCH_SIZE = 10
    make_scheduled_services(customer, 25)
    call_command("sync_directory", "--no-progress", stdout=StringIO())
    run = SyncRun.objects.get()
    lines = [record for record in records_of(caplog, "directory.sync") if hasattr(record, "batch_id")]
    assert [(record.run_id, record.batch) for record in lines] == [(run.pk, 1), (run.pk, 2), (run.pk, 3)]
    assert {record.batch_id for record in lines} == set(SyncBatch.objects.values_list("pk", flat=True))
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["run_id"] == run.pk and entry["batch"] == 1 and entry["level"] == "INFO"
    assert entry["message"].startswith(f"directory sync #{run.pk} batch 1 done: 10 added")


def test_log_format_json_makes_the_console_write_json():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('directory.sync').warning('hello', extra={'run_id': 7})"
    )
    result = subprocess.run([sys.executable, "-c", code], env=production.environment(LOG_FORMAT="json"),
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["logger"], entry["message"], entry["run_id"], entry["level"]) == (
        "directory.sync",
        "hello",
        7,
        "WARNING",
    )
