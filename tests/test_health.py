"""/healthz and /readyz: JSON for load balancers, no personal data, cheap to poll."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from telecom_panel import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_without_a_broker_checks_the_database_and_migrations(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    with CaptureQueriesContext(connection) as queries:  # polled every few seconds: one SELECT 1
        assert client.get(reverse("readyz")).status_code == 200
    assert len(queries) == 1


@pytest.mark.redis
def test_readyz_says_when_no_worker_answers(client, settings):
    """With REDIS_URL, a worker must answer: none runs in this test."""
    health._worker_seen_at = 0.0
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok",
                                         "worker": "no worker answered"}  # fmt: skip


@pytest.mark.redis
def test_readyz_says_when_redis_does_not_answer(client, settings):
    from telecom_panel.celery import app

    names = ("broker_url", "broker_connection_retry", "broker_transport_options")
    previous = {name: app.conf[name] for name in names}
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.conf.broker_connection_retry = False
    app.conf.broker_transport_options = {**previous["broker_transport_options"], "max_retries": 0}
    try:
        response = client.get(reverse("readyz"))
    finally:
        app.conf.update(previous)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"].startswith("error: ") and checks["worker"] == "not checked"
