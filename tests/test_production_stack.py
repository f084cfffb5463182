"""The production stack end to end (issue 11): `make serve`, a Celery worker and beat as the README's
"Deploying" section starts them, a real SMTP server, on the test's PostgreSQL database and Redis.

A customer signs in through "the reverse proxy" and publishes a service's contact details in
"Modifier les coordonnées", then sees "Synchronisation programmée". The requests come from
127.0.0.2, the address PUBLIC_DIRECTORY_TRUSTED_PROXIES names, with X-Forwarded-Proto: https, and
the Secure cookies are kept by hand. The proxy is not 127.0.0.1: /metrics answers 404 to a trusted
proxy's address, and Prometheus scrapes from 127.0.0.1. Ops then run `.venv/bin/python manage.py
sync_directory --distribute` as the README shows it, and a worker runs its batch. Then the run
and the service are synced in the database, /readyz is ready (the worker answers) and /metrics
reports that run.

Beat: its schedule file is seeded as a beat stopped for longer than the sweep's five-minute
interval leaves it (tests/stack.py, seed_beat_schedule), so the beat started here sends
`lines.bulk_apply_sweep` at once and the worker runs it: proof that beat schedules and the worker
receives, in seconds, without waiting five minutes and without starting a directory sync that
would race the command (the directory entry keeps its monthly crontab). Every process is then
stopped with SIGTERM to its process group and must exit cleanly.
"""

import re
import signal

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from directory.models import Publication, SyncBatch, SyncRun
from notifications.models import CustomerEmail
from tests import factories
from tests import stack as stack_module
from tests.lines.test_views import VALID_POST
from tests.stack import csrf_token

production_stack = stack_module.production_stack  # the fixture
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

NUMBER = "+33199004242"
DIGITS = NUMBER.lstrip("+")
PUBLISHED = {**VALID_POST, "email": "claire.durand@example.org"}  # the panel form's valid edit


def metric(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


@pytest.fixture
def customer_with_a_line(customer):
    """The conftest customer with one line and no contact details yet. Its password hashed with
    the production hasher: the test settings' MD5 is unknown to the production settings."""
    hasher = PBKDF2PasswordHasher()
    customer.password = hasher.encode(factories.PASSWORD, hasher.salt())
    customer.email = PUBLISHED["email"]
    customer.save(update_fields=["password", "email"])
    return factories.make_service(customer, number=NUMBER, label="Bureau")


def test_a_published_edit_goes_out_through_the_worker_and_shows_in_readyz_and_metrics(
    customer, customer_with_a_line, production_stack
):
    stack = production_stack
    service = customer_with_a_line

    # Sign in as a browser behind the proxy does.
    page = stack.panel("GET", "/connexion/")
    assert page.status == 200, page.text
    signed_in = stack.panel(
        "POST",
        "/connexion/",
        fields={"username": customer.username, "password": factories.PASSWORD,
                "csrfmiddlewaretoken": csrf_token(page.text)},
    )  # fmt: skip
    assert signed_in.status == 302, signed_in.text
    assert "sessionid" in stack.cookies
    for morsel in stack.set_cookies:  # production cookies: Secure, and the session's HttpOnly
        assert morsel["secure"], morsel.OutputString()
    assert any(m.key == "sessionid" and m["httponly"] for m in stack.set_cookies)

    # Coordonnées, then "Modifier les coordonnées", and a valid edit that publishes.
    contact = stack.panel("GET", f"/telephonie/{DIGITS}/coordonnees/")
    assert contact.status == 200 and "Coordonnées à compléter" in contact.text
    edit_url = f"/telephonie/{DIGITS}/coordonnees/modifier/"
    assert f'href="{edit_url}">Modifier les coordonnées</a>' in contact.text
    form = stack.panel("GET", edit_url)
    assert form.status == 200
    saved = stack.panel("POST", edit_url, fields={**PUBLISHED, "csrfmiddlewaretoken": csrf_token(form.text)})
    assert saved.status == 302, saved.text
    assert saved.headers["Location"] == f"/telephonie/{DIGITS}/coordonnees/"
    contact = stack.panel("GET", saved.headers["Location"])
    assert "Votre parution est programmée" in contact.text
    assert '<span class="status status-scheduled">Synchronisation programmée</span>' in contact.text
    assert Publication.objects.get(service=service).status == "scheduled"

    # Ops run the sync as the README shows it: the batch goes to the worker, the command follows.
    result = stack.run([".venv/bin/python", "manage.py", "sync_directory", "--distribute"])
    assert result.returncode == 0, result.stdout + result.stderr + stack.logs()
    run = SyncRun.objects.get()
    assert (run.status, run.trigger, run.batches_total, run.added) == ("succeeded", "command", 1, 1)
    assert f"Synchronisation #{run.pk} : Réussie (1 lot)" in result.stdout
    assert re.search(r"^  ajoutées +1$", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^  écarts réparés avant l'envoi +0$", result.stdout, re.MULTILINE), result.stdout
    csv_name = next(name for name in run.export_files if name.endswith(".csv"))
    assert f"fichier : {stack.export_dir / csv_name}" in result.stdout
    assert (stack.export_dir / csv_name).exists() and run.export_released_at is not None
    assert "100%" in result.stderr  # the progress bar followed the worker's batch
    assert SyncBatch.objects.get(run=run).state == "done"
    stack.wait_for_log("worker", r"Task directory\.sync_batch\[[0-9a-f-]+\] succeeded")
    assert Publication.objects.get(service=service).status == "synced"
    contact = stack.panel("GET", f"/telephonie/{DIGITS}/coordonnees/")
    assert '<span class="status status-synced">Synchronisé</span>' in contact.text

    # The customer is told, by a Celery task, through the real SMTP server: one e-mail, in French,
    # from DEFAULT_FROM_EMAIL, with a link to the panel as customers reach it (PANEL_URL).
    (message,) = stack.wait_for_mail(1)
    assert (message["To"], message["From"]) == (PUBLISHED["email"], "panel@panel.example")
    # Django folds an encoded subject onto its own line; the parser keeps the fold's space.
    assert message["Subject"].strip() == "Annuaires : vos fiches ont été mises à jour"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    assert "01 99 00 42 42 (Bureau) : publiée dans les annuaires" in body
    assert "https://panel.example/telephonie/" in body
    # The server has the message before the task commits its row: read the row once it has.
    stack.wait_for_log("worker", r"Task notifications\.send\[[0-9a-f-]+\] succeeded")
    sent = CustomerEmail.objects.get(run=run)
    assert (sent.state, sent.user_id, sent.services, sent.attempts) == ("sent", customer.pk, 1, 1)

    # The load balancer's probe: every check ok, the worker's included.
    ready = stack.direct("GET", "/readyz")
    assert ready.status == 200, ready.text
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "ok", "worker": "ok"},
    }

    # Prometheus scrapes from the loopback, straight to gunicorn: the run just made.
    scraped = stack.direct("GET", "/metrics")
    assert scraped.status == 200, scraped.text
    metrics = scraped.text
    assert metric(metrics, 'telecom_directory_last_sync_outcome{outcome="succeeded"}') == 1.0
    assert metric(metrics, 'telecom_directory_last_sync_outcome{outcome="failed"}') == 0.0
    assert metric(metrics, "telecom_directory_sync_running") == 0.0
    for action in ("added", "updated", "withdrawn", "rejected", "left_for_next", "repaired"):
        assert metric(metrics, f'telecom_directory_last_sync_records{{action="{action}"}}') == getattr(
            run, action
        )
    assert metric(metrics, "telecom_directory_last_sync_batches_failed") == 0.0
    assert metric(metrics, 'telecom_publications{status="synced"}') == 1.0
    assert metric(metrics, "telecom_directory_last_sync_finished_timestamp_seconds") == pytest.approx(
        run.finished_at.timestamp(), abs=0.001
    )
    # ...but /metrics never answers through the proxy.
    assert stack.panel("GET", "/metrics").status == 404

    # Beat sent the overdue sweep at start, and the worker ran it.
    stack.wait_for_log("beat", r"Sending due task bulk-apply-sweep \(lines\.bulk_apply_sweep\)")
    stack.wait_for_log("worker", r"Task lines\.bulk_apply_sweep\[[0-9a-f-]+\] succeeded")

    # SIGTERM to each process group: every process leaves cleanly.
    exits = stack.stop(check=False)  # checked here, so that these assertions can fail
    assert exits == {"beat": 0, "worker": 0, "web": -signal.SIGTERM}  # make dies of it; gunicorn:
    stack_module.assert_gunicorn_shut_down(stack.processes["web"].output())
    assert "Warm shutdown" in stack.processes["worker"].output()
