"""The production stack, started as the README's "Deploying" section runs it, for the tests that
need all of it: `make serve` (gunicorn, production settings), a Celery worker and a Celery beat,
on the test's own PostgreSQL database and Redis, with a real SMTP server to receive the e-mails.

    from tests import stack as stack_module

    production_stack = stack_module.production_stack  # the fixture, in the test module

    pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

    def test_something(production_stack):
        production_stack.panel("GET", "/connexion/")   # through "the reverse proxy" (HTTPS)
        production_stack.direct("GET", "/metrics")     # straight to gunicorn, as Prometheus
        production_stack.run([".venv/bin/python", "manage.py", ...])  # a command, same environment
        production_stack.mail                          # e-mails received (email.message.EmailMessage)
        production_stack.wait_for_mail(1)              # ...once there is at least one

Every process gets the same environment: the production variables (tests/production.py) with the
test's database, Redis (flushed at the start and at the end), the SMTP server, exports and static
files under the test's tmp_path, and no DJANGO_SETTINGS_MODULE (a process started by hand on a
server gets the production settings without it; `make serve` names them itself).

HTTPS and the proxy: production redirects plain HTTP to HTTPS and sets Secure cookies. The panel is
reached as a TLS-terminating reverse proxy reaches it: from the proxy's own address, 127.0.0.2
(the whole 127.0.0.0/8 is the loopback on Linux), which PUBLIC_DIRECTORY_TRUSTED_PROXIES names,
with `X-Forwarded-Proto: https` and `X-Forwarded-For`. Prometheus scrapes `/metrics` from
127.0.0.1, not through the proxy: /metrics answers 404 to a trusted proxy's address, so the proxy
cannot be 127.0.0.1 itself. Cookies are kept here from the Set-Cookie headers (urllib's cookie jar
would not send Secure cookies over plain HTTP).

The worker and beat commands are the README's, as written, from the project's root
(`.venv/bin/celery -A telecom_panel worker --loglevel=INFO`, `... beat --loglevel=INFO`). Beat keeps
its state in `celerybeat-schedule` in its working directory by default; its `--schedule` option
also reads the environment variable CELERY_BEAT_SCHEDULE (celery's command line has click's
`auto_envvar_prefix="CELERY"`), which beat alone gets here, pointing into tmp_path: the command is
unchanged and nothing is written in the checkout. That schedule file is seeded first as a beat
that was stopped for longer than the sweep's interval leaves it (`bulk-apply-sweep` last sent ten
minutes ago), so the started beat sends `lines.bulk_apply_sweep` at once and the worker runs it:
the cheapest real proof that beat schedules and the worker receives, without waiting five minutes
and without starting a directory sync behind the test's back (every other entry starts afresh,
its next time far away: the directory sync's monthly crontab among them).
"""

import contextlib
import email
import email.policy
import http.client
import http.cookies
import json
import logging
import os
import re
import shelve
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests import production

PROJECT = Path(__file__).resolve().parent.parent
HOST = "panel.example"  # ALLOWED_HOSTS of the stack
PROXY_ADDRESS = "127.0.0.2"  # the reverse proxy's address, as gunicorn sees it
CLIENT_ADDRESS = "203.0.113.7"  # the browser behind the proxy (a documentation address)
WEB = ["make", "serve"]
WORKER = [".venv/bin/celery", "-A", "telecom_panel", "worker", "--loglevel=INFO"]
BEAT = [".venv/bin/celery", "-A", "telecom_panel", "beat", "--loglevel=INFO"]
# SIGTERM to a process group, as an orchestrator stops a service: the Celery worker and beat shut
# down cleanly (0); `make` dies of the signal (-15) while gunicorn shuts down (its log says so).
CLEAN_EXIT = {"web": -signal.SIGTERM, "worker": 0, "beat": 0}
READY = {
    "worker": r"celery@\S+ ready\.",
    "beat": r"beat: Starting\.\.\.",
}


def free_port(address="127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


def port_is_free(port: int, address="127.0.0.1") -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, port))
        except OSError:
            return False
        return True


def flush_redis(url: str):
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# --- Processes ------------------------------------------------------------------------------------


@dataclass
class Process:
    """A process started in its own session (its own process group), its output in a file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def wait_for(self, pattern, timeout=60, *, also=()) -> re.Match:
        """The first match of `pattern` in the output; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output())
            if found:
                return found
            assert self.popen.poll() is None, (
                f"{self.name} exited ({self.popen.returncode}):\n{self.output()}"
            )
            assert time.monotonic() < deadline, (
                f"no {pattern!r} from {self.name} in {timeout} s:\n{self.output()}"
            )
            time.sleep(0.2)

    def stop(self, timeout=60) -> int | str:
        """SIGTERM to the whole group, as an orchestrator does; the exit status once every process
        of the group has gone (SIGKILL, and a message instead of a status, after `timeout`)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            status = self.popen.wait(timeout=timeout)
            if _group_gone(self.popen.pid, timeout):
                return status
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        return f"killed: still there {timeout} s after SIGTERM"


def spawn(name, command, *, cwd=PROJECT, env, folder: Path, stdin=subprocess.DEVNULL) -> Process:
    """Start `command` (a list, or a string for `bash -c`) in a new session, output to folder/name.log."""
    log = folder / f"{name}.log"
    argv = ["bash", "-c", command] if isinstance(command, str) else command
    with open(log, "w", encoding="utf-8") as output:
        popen = subprocess.Popen(argv, cwd=cwd, env=env, start_new_session=True, stdin=stdin,
                                 stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
    return Process(name, popen, log)


def _group_gone(group: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def assert_gunicorn_shut_down(output: str):
    """gunicorn's master logged its clean shutdown, and no traceback on the way."""
    if "in child_exit" in output:
        raise AssertionError(
            "gunicorn's master crashed in child_exit at shutdown: telecom_panel/gunicorn.conf.py imports "
            "prometheus_client inside that SIGCHLD handler, and two workers exiting together re-enter the "
            f"import (import it at module level instead).\n{output}"
        )
    assert "Shutting down: Master" in output and "Traceback" not in output, output


# --- HTTP -----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    def json(self):
        return json.loads(self.text)


def http_request(port, method, path, *, body=None, headers=None, source=None, timeout=30) -> Response:
    """One request to 127.0.0.1:`port` (from the address `source`, if given); no redirect followed."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return Response(answer.status, answer.headers, answer.read().decode("utf-8", errors="replace"))
    finally:
        connection.close()


def wait_for_http(port, path, process: Process, *, status=200, timeout=120, headers=None):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http_request(port, "GET", path, headers=headers, timeout=5).status == status:
                return
        except OSError:
            pass
        assert process.popen.poll() is None, f"{process.name} exited:\n{process.output()}"
        assert time.monotonic() < deadline, (
            f"{path} did not answer {status} in {timeout} s:\n{process.output()}"
        )
        time.sleep(0.3)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


# --- Mail -----------------------------------------------------------------------------------------


class MailCollector:
    """aiosmtpd handler: every message received, parsed, with its envelope."""

    def __init__(self):
        self.envelopes = []
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def start_smtp_server(collector: MailCollector):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; stop it with `.stop()`. Its
    own INFO lines (every sender and recipient address) are left out of the test run's logs."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


# --- Beat -----------------------------------------------------------------------------------------


def seed_beat_schedule(path: Path, *, overdue=("bulk-apply-sweep",)):
    """Beat's schedule file as a beat stopped for a while leaves it: the entries of `overdue` last
    sent ten minutes ago (longer than their interval); beat adds the others afresh."""
    from celery import __version__
    from celery.beat import ScheduleEntry
    from django.utils import timezone

    from telecom_panel.celery import app

    entries = {
        name: ScheduleEntry(
            **app.conf.beat_schedule[name],
            name=name,
            app=app,
            last_run_at=timezone.now() - timedelta(minutes=10),
        )
        for name in overdue
    }
    with shelve.open(str(path)) as store:
        store.update(
            {"entries": entries, "__version__": __version__, "tz": app.conf.timezone,
             "utc_enabled": app.conf.enable_utc}
        )  # fmt: skip


# --- The stack ------------------------------------------------------------------------------------


@dataclass
class ProductionStack:
    """See the module docstring. `start()` brings up what `web`, `worker` and `beat` ask for and
    waits until each is ready; `stop()` sends SIGTERM to each process group and checks the exits."""

    folder: Path
    web: bool = True
    worker: bool = True
    beat: bool = True
    port: int | None = None  # gunicorn's port; a free one by default
    changes: dict = field(default_factory=dict)  # environment for every process, over the defaults

    def __post_init__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.processes: dict[str, Process] = {}
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[http.cookies.Morsel] = []
        self.mail_collector = MailCollector()
        self.smtp = None
        self.smtp_port = None
        self.exit_codes: dict[str, int | str] = {}
        self.redis_url = os.environ["REDIS_URL"]
        self.export_dir = self.folder / "exports"
        self.emergency_dir = self.folder / "urgence"
        self.beat_schedule = self.folder / "celerybeat-schedule"
        self.tmp = self.folder / "tmp"
        self.tmp.mkdir(exist_ok=True)

    @property
    def host(self) -> str:
        """The Host every request sends: the first of ALLOWED_HOSTS."""
        return self.changes.get("ALLOWED_HOSTS", HOST).split(",")[0]

    @property
    def mail(self) -> list[EmailMessage]:
        """The e-mails the SMTP server received, in order, parsed with email.policy.default."""
        return self.mail_collector.messages

    def environment(self, **more) -> dict:
        values = {
            "DATABASE_URL": production.test_database_url(),
            "REDIS_URL": self.redis_url,
            "ALLOWED_HOSTS": HOST,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "STATIC_ROOT": str(self.folder / "static"),
            "DIRECTORY_EXPORT_DIR": str(self.export_dir),
            "EMERGENCY_EXPORT_DIR": str(self.emergency_dir),
            "PUBLIC_DIRECTORY_TRUSTED_PROXIES": f"{PROXY_ADDRESS}/32",
            "WEB_WORKERS": "2",
            "PORT": str(self.port),
            "TMPDIR": str(self.tmp),  # gunicorn's metrics folder, should a crash leave it behind
        }
        return production.environment(
            without=("DJANGO_SETTINGS_MODULE",), **{**values, **self.changes, **more}
        )

    # --- Start and stop -----------------------------------------------------------------------

    def start(self):
        flush_redis(self.redis_url)
        self.smtp = start_smtp_server(self.mail_collector)
        self.smtp_port = self.smtp.port
        try:
            if self.web:
                self._spawn("web", WEB)
            if self.worker:
                self._spawn("worker", WORKER)
            if self.beat:
                seed_beat_schedule(self.beat_schedule)
                self._spawn("beat", BEAT, CELERY_BEAT_SCHEDULE=str(self.beat_schedule))
            for name, process in self.processes.items():
                if name == "web":
                    wait_for_http(self.port, "/healthz", process, headers={"Host": self.host})
                else:
                    process.wait_for(READY[name], timeout=120)
        except BaseException:
            self.stop(check=False)
            raise
        return self

    def _spawn(self, name, command, **more):
        self.processes[name] = spawn(name, command, env=self.environment(**more), folder=self.folder)

    def stop(self, *, check=True) -> dict:
        """SIGTERM to each process group (beat, the worker, then the web process) and wait for it;
        with `check`, fail unless each left as CLEAN_EXIT says. Idempotent."""
        for name in ("beat", "worker", "web"):
            if name in self.processes and name not in self.exit_codes:
                self.exit_codes[name] = self.processes[name].stop()
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None
        flush_redis(self.redis_url)
        if check:
            unclean = {name: code for name, code in self.exit_codes.items() if code != CLEAN_EXIT[name]}
            assert not unclean, f"unclean exit {unclean}\n{self.logs()}"
            if "web" in self.processes:
                assert_gunicorn_shut_down(self.processes["web"].output())
        return self.exit_codes

    def logs(self) -> str:
        return "\n".join(
            f"----- {name} -----\n{process.output()}" for name, process in self.processes.items()
        )

    def wait_for_log(self, name, pattern, timeout=30) -> re.Match:
        return self.processes[name].wait_for(pattern, timeout)

    def wait_for_mail(self, count, timeout=30) -> list[EmailMessage]:
        """The e-mails received, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while len(self.mail) < count:
            assert time.monotonic() < deadline, (
                f"{len(self.mail)} e-mail(s) received, not {count}\n{self.logs()}"
            )
            time.sleep(0.2)
        return self.mail

    # --- Commands and requests ----------------------------------------------------------------

    def run(self, command: list[str], *, timeout=120, **more) -> subprocess.CompletedProcess:
        """A command from the project's root with the stack's environment (e.g. the README's
        `.venv/bin/python manage.py sync_directory --distribute`)."""
        return subprocess.run(command, cwd=PROJECT, env=self.environment(**more), capture_output=True,
                              text=True, timeout=timeout)  # fmt: skip

    def panel(self, method, path, *, fields=None, headers=None, timeout=30) -> Response:
        """A request as the reverse proxy forwards a browser's HTTPS request: from PROXY_ADDRESS,
        with X-Forwarded-Proto/-For, the cookies received so far, and Origin on a POST (Django's
        CSRF check of a secure request wants it)."""
        sent = {"Host": self.host, "X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            sent |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"https://{self.host}"}
        response = http_request(self.port, method, path, body=body, headers={**sent, **(headers or {})},
                                source=PROXY_ADDRESS, timeout=timeout)  # fmt: skip
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.set_cookies.append(morsel)
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def direct(self, method, path, *, headers=None, timeout=30) -> Response:
        """A request straight to gunicorn from 127.0.0.1, no proxy headers (a probe, Prometheus)."""
        return http_request(
            self.port, method, path, headers={"Host": self.host, **(headers or {})}, timeout=timeout
        )


@pytest.fixture
def production_stack(tmp_path, transactional_db, communes, settings):
    """The whole stack (web, worker, beat, SMTP), started; stopped, its exits checked, after the
    test. The test module must be marked postgres, redis and django_db(transaction=True)."""
    from django.db import connection

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.fail("production_stack needs a test marked postgres and redis (see tests/test_serve.py)")
    stack = ProductionStack(tmp_path / "stack")
    settings.DIRECTORY_EXPORT_DIR = stack.export_dir  # what this process reads is what they wrote
    stack.start()
    try:
        yield stack
    finally:
        print(stack.logs())  # shown only when the test fails
        stack.stop(check=True)
