"""Health endpoints for load balancers and orchestrators: JSON, no personal data, cheap to poll.

- /healthz: the process answers (nothing else is touched).
- /readyz: the process can serve: the database answers and has every migration applied, and with
  REDIS_URL, Redis answers and at least one Celery worker does. 200 when all hold, else 503, with
  each check's result. What does not change while a process runs (migrations applied) is checked
  until it holds, then remembered; a worker's answer is remembered WORKER_ANSWER_TTL seconds, so
  polling every few seconds costs one `SELECT 1` and one Redis PING.
"""

import time

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

WORKER_ANSWER_TTL = 30  # seconds a worker's answer is trusted
WORKER_MISS_TTL = 5  # seconds "no worker answered" is kept before pinging again
WORKER_PING_TIMEOUT = 1.0  # seconds a ping waits for a worker's answer
REDIS_TIMEOUT = 1.0  # seconds to connect to Redis, and for its answer
_migrated = False
_worker_seen_at = 0.0
_worker_missed_at = -WORKER_MISS_TTL


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return "pending"
        _migrated = True
    return "ok"


def _redis() -> str:
    # Its own short-lived client with short timeouts: a Redis that accepts and never answers must
    # cost a probe one second, not the web worker's whole timeout.
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _worker() -> str:
    global _worker_seen_at, _worker_missed_at
    now = time.monotonic()
    if now - _worker_seen_at < WORKER_ANSWER_TTL:
        return "ok"
    if now - _worker_missed_at < WORKER_MISS_TTL:  # no ping per probe while none answers
        return "no worker answered"
    from telecom_panel.celery import app

    if not app.control.ping(timeout=WORKER_PING_TIMEOUT):
        _worker_missed_at = time.monotonic()
        return "no worker answered"
    _worker_seen_at = time.monotonic()
    return "ok"


def _run(check) -> str:
    try:
        return check()
    except Exception as error:  # the name of the failure only: a message may quote an address
        return f"error: {type(error).__name__}"


@require_safe
@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request):
    checks = {"database": _run(_database)}
    checks["migrations"] = _run(_migrations) if checks["database"] == "ok" else "not checked"
    if settings.REDIS_URL:
        checks["redis"] = _run(_redis)
        checks["worker"] = _run(_worker) if checks["redis"] == "ok" else "not checked"
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
