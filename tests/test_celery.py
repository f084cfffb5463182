"""Celery: tasks run in-process without a broker, and a real worker consumes them from Redis."""

import pytest
from celery.contrib.testing.worker import start_worker

from telecom_panel.celery import app, health_check


@pytest.mark.django_db
def test_without_a_broker_a_task_runs_in_process():
    assert health_check.delay().get(timeout=5)["database"] in {"sqlite", "postgresql"}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_consumes_a_task_from_redis():
    assert app.conf.broker_url.startswith("redis://")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = health_check.delay()
            answer = result.get(timeout=30)
    finally:
        app.conf.task_always_eager = True
    assert result.successful()
    assert answer["worker"]
