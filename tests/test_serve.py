"""`make serve` as the README shows it: the production settings, gunicorn and WhiteNoise, on the
test's PostgreSQL database and Redis; and no start at all without the production variables."""

import gzip
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import production

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


OPENER = urllib.request.build_opener(NoRedirect)


def get(url, **headers):
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def serve(tmp_path):
    """Start `make serve` on the test's database and Redis with `changes` to the environment; the
    base URL once /healthz answers. Stopped (SIGTERM, as an orchestrator does) after the test."""
    processes = []

    def start(**changes):
        port = free_port()
        environment = production.environment(
            DATABASE_URL=production.test_database_url(),
            REDIS_URL=os.environ["REDIS_URL"],
            ALLOWED_HOSTS="127.0.0.1",
            STATIC_ROOT=str(tmp_path / "static"),
            WEB_WORKERS="2",
            PORT=str(port),
            **changes,
        )
        process = subprocess.Popen(["make", "serve"], cwd=PROJECT, env=environment, start_new_session=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if get(base + "/healthz")[0] == 200:  # exempt from the HTTPS redirect
                    return base
            except OSError:
                pass
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "gunicorn did not answer in 120 s"
            time.sleep(0.5)

    yield start
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_make_serve_runs_gunicorn_with_the_production_settings(serve, communes):
    # Plain HTTP on the loopback: in production a proxy terminates TLS.
    served = serve(SECURE_SSL_REDIRECT="False")
    status, headers, body = get(served + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    status, headers, body = get(served + "/readyz")  # no Celery worker runs in this test
    assert status == 503
    assert json.loads(body)["checks"] == {"database": "ok", "migrations": "ok", "redis": "ok",
                                          "worker": "no worker answered"}  # fmt: skip

    status, headers, body = get(served + "/connexion/")
    page = body.decode()
    assert status == 200 and "Connexion à votre espace client" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    stylesheet = re.search(r'href="(/static/css/panel\.[0-9a-f]{12}\.css)"', page).group(1)

    status, headers, body = get(served + stylesheet, **{"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert b".topbar" in gzip.decompress(body)

    # Two workers answer: /metrics adds up their request counts (prometheus_client multiprocess).
    for _ in range(6):
        get(served + "/healthz")
    status, _headers, body = get(served + "/metrics")
    text = body.decode()
    assert status == 200 and "telecom_directory_sync_running 0.0" in text
    served_requests = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("django_http_responses_total_by_status_total{") and 'status="200"' in line
    )
    assert served_requests >= 8


def test_make_serve_refuses_to_start_without_the_production_variables():
    environment = production.environment(
        without=("DATABASE_URL", "REDIS_URL", "EMAIL_URL"), PORT=str(free_port())
    )
    result = subprocess.run(["make", "serve"], cwd=PROJECT, env=environment, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode != 0
    assert "Production settings need DATABASE_URL, REDIS_URL, EMAIL_URL" in result.stdout + result.stderr


def test_https_is_taken_from_the_trusted_proxy_only(serve, communes):
    """X-Forwarded-Proto makes a request secure only from a network of
    PUBLIC_DIRECTORY_TRUSTED_PROXIES; from anyone else the redirect to HTTPS stands."""
    trusting = serve(PUBLIC_DIRECTORY_TRUSTED_PROXIES="127.0.0.1/32")
    assert get(trusting + "/connexion/")[0] == 301  # plain HTTP: sent to HTTPS
    status, headers, _body = get(trusting + "/connexion/", **{"X-Forwarded-Proto": "https"})
    assert status == 200 and "max-age=31536000" in headers["Strict-Transport-Security"]
    distrusting = serve()  # no proxy configured: the loopback is a client like any other
    assert get(distrusting + "/connexion/", **{"X-Forwarded-Proto": "https"})[0] == 301
    # Prometheus scrapes over plain HTTP from an allowed network (the loopback by default)...
    assert get(distrusting + "/metrics")[0] == 200
    # ...but never through one of our proxies.
    assert get(trusting + "/metrics", **{"X-Forwarded-Proto": "https"})[0] == 404
