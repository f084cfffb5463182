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
    health._worker_seen_at, health._worker_missed_at = 0.0, -health.WORKER_MISS_TTL
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok",
                                         "worker": "no worker answered"}  # fmt: skip


def test_readyz_says_when_redis_refuses(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"].startswith("error: ") and checks["worker"] == "not checked"


def test_readyz_answers_within_seconds_when_redis_accepts_and_never_answers(client, settings):
    """A probe must not hold a web worker until its timeout kills it."""
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get(reverse("readyz"))
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["checks"]["redis"].startswith("error: ")
    assert elapsed < health.REDIS_TIMEOUT * 3


@pytest.mark.redis
def test_a_missing_worker_is_not_pinged_on_every_probe(client, settings):
    import time

    health._worker_seen_at, health._worker_missed_at = 0.0, -health.WORKER_MISS_TTL
    assert client.get(reverse("readyz")).status_code == 503  # pings, waits WORKER_PING_TIMEOUT
    started = time.monotonic()
    assert client.get(reverse("readyz")).json()["checks"]["worker"] == "no worker answered"
    assert time.monotonic() - started < health.WORKER_PING_TIMEOUT / 2
