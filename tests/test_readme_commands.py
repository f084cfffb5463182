"""Every command of the README's ```sh blocks runs as written (issue 11, item 6): a README that
drifts from the code fails here.

README.md is read at test time: every ```sh block, backslash-continued lines joined, blank lines
and full-line comments dropped, a trailing `# comment` cut (never a `#` inside quotes). COMMANDS
below is the table of every such command and how it is checked; a test fails when the README has
a command that is not in the table, or the table one that the README no longer has.

Each check runs its command as written, `bash -c '<command>'` from the project's root, in the
environment the README says it runs in:
- development commands (`.venv/bin/python manage.py ...`, `.venv/bin/celery ...`) as on a checkout
  where `make run` wrote its `.env`: ENV_FILE names a copy of that file (the Makefile's own
  line), the test's PostgreSQL database, REDIS_URL only where the README asks for a broker, and
  the export folders in tmp_path, so that nothing is written in the checkout;
- `make run` with PORT and an SQLite DATABASE_URL of tmp_path, until /connexion/ answers;
- the "Deploying" example with its example values replaced by the test's (database, Redis, SMTP
  server, host, WEB_BIND on a free port), then `make serve` as written;
- the operator API's `curl`s against `make serve` on 127.0.0.1:8000, the address they name (the
  test fails, saying so, when that port is taken), with $TOKEN in OPERATOR_API_TOKENS;
- the benchmarks at `--size 2000` (only that value replaced; they make their own databases).
Placeholders are filled with real values ($TOKEN), and `--take-over` gets its answer on stdin. Commands that cannot run inside
the suite have an entry saying why.
"""

import csv
import hashlib
import json
import os
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import requests
from django.utils import timezone

from directory.models import Listing, Publication, SyncRun
from lines.models import ContactDetails, PortOutCheck, Service, ServiceChange
from telecom_panel.celery import app
from tests import factories, production, stack
from tests.stack import (
    MailCollector,
    ProductionStack,
    assert_gunicorn_shut_down,
    flush_redis,
    free_port,
    http_request,
    port_is_free,
    seed_beat_schedule,
    spawn,
    start_smtp_server,
    wait_for_http,
)

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"

# --- The README's commands ------------------------------------------------------------------------


def strip_comment(line: str) -> str:
    """`line` without a trailing `# comment`: a `#` that starts a word, outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def readme_commands(text: str) -> list[str]:
    """Every command of the ```sh blocks, in order (a command shown twice appears twice)."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        for line in re.sub(r"[ \t]*\\\n[ \t]*", " ", block).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(strip_comment(line))
    return commands


@dataclass(frozen=True)
class Check:
    test: str  # the test of this module that runs the command
    asserts: str


@dataclass(frozen=True)
class Exempt:
    reason: str


SYNC = ".venv/bin/python manage.py sync_directory"
SYNC_DRY_RUN = ".venv/bin/python manage.py sync_directory --dry-run"
SYNC_FILE = ".venv/bin/python manage.py sync_directory --batch-size 5000 --publisher file"
SYNC_DISTRIBUTE = ".venv/bin/python manage.py sync_directory --distribute"
SYNC_TAKE_OVER = ".venv/bin/python manage.py sync_directory --take-over"
CHECK_DIRECTORY = ".venv/bin/python manage.py check_directory"
CHECK_DIRECTORY_VERBOSE = ".venv/bin/python manage.py check_directory --verbose"
EMERGENCY = ".venv/bin/python manage.py export_emergency_locations"
RESOLVE_ADDRESSES = ".venv/bin/python manage.py resolve_addresses"
RECAPITALISE_NAMES = ".venv/bin/python manage.py recapitalise_names"
EMERGENCY_SINCE = ".venv/bin/python manage.py export_emergency_locations --since 2026-11-01"
CURL_EMERGENCY = 'curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/urgence/33972102030/'
CURL_PORTABILITY = (
    'curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '
    '\'{"number": "09 72 10 20 30", "rio": "99 G ABC123 XYZ", "name": "Atelier Dupont"}\' '
    "http://127.0.0.1:8000/api/portabilite/verifier/"
)
BENCH_SYNC = ".venv/bin/python -m bench.sync --size 100000"
BENCH_ADMIN = ".venv/bin/python -m bench.admin --size 1000000"
BENCH_API = ".venv/bin/python -m bench.api --services 1000 --seconds 10"
DEPLOY_EXPORT = (
    "export SECRET_KEY=... ALLOWED_HOSTS=panel.example.fr "
    "DATABASE_URL=postgres://panel@db.internal:5432/panel REDIS_URL=redis://redis.internal:6379/0 "
    "EMAIL_URL=smtp+tls://panel:secret@smtp.example.fr:587 DEFAULT_FROM_EMAIL=ne-pas-repondre@example.fr "
    "PUBLIC_DIRECTORY_TRUSTED_PROXIES=10.0.0.0/8 WEB_BIND=0.0.0.0:8000"
)
# The very commands the production stack runs (tests/stack.py): if the README's drift, both fail.
MAKE_SERVE = shlex.join(stack.WEB)
WORKER = shlex.join(stack.WORKER)
BEAT = shlex.join(stack.BEAT)
HEALTH_CHECK = ".venv/bin/celery -A telecom_panel call telecom_panel.health_check"
MAKE_RUN = "make run"
CREATE_API_APPLICATION = '.venv/bin/python manage.py create_api_application --owner demo --name "Mon script"'
EXPORT_API_APPLICATION = (
    "export OVH_APPLICATION_KEY=<application_key> OVH_APPLICATION_SECRET=<application_secret>"
)
EXAMPLE_SCRIPT = ".venv/bin/python customer_api/example_script.py"
EXPORT_CONSUMER_KEY = "export OVH_CONSUMER_KEY=<consumerKey>"
MAKE_TEST_ARGS = 'make test PYTEST_ARGS="-k communes -x"'

COMMANDS = {
    MAKE_RUN: Check(
        "test_make_run",
        "PORT free, SQLite in tmp_path: /connexion/ answers 200, the URL printed, the demo users "
        "in the database; stopped by SIGTERM; its .env removed if it wrote one",
    ),
    CREATE_API_APPLICATION: Check(
        "test_make_run",
        "against make run's database: exit 0, the last line JSON with the application's key and secret",
    ),
    EXPORT_API_APPLICATION: Check(
        "test_make_run", "the placeholders replaced by the command's key and secret, then the script runs"
    ),
    EXAMPLE_SCRIPT: Check(
        "test_make_run",
        "against make run (TELECOM_PANEL_API names its port): the first run prints the consent link and "
        "the key; after demo authorises it over HTTP, the second fills demo's lines without details "
        "(saved with source API and the application's name) and prints the summary",
    ),
    EXPORT_CONSUMER_KEY: Check("test_make_run", "the placeholder replaced by the key the script printed"),
    "make test": Exempt("it is what runs this test: the whole suite, recursively"),
    SYNC: Check(
        "test_sync_and_check_directory",
        "exit 0; summary (Réussie, ajoutées 3); progress bar (100%) on stderr; the run succeeded, "
        "every service synced, the export written in tmp_path",
    ),
    SYNC_DRY_RUN: Check(
        "test_sync_and_check_directory",
        "exit 0; 'Simulation : rien n'a été envoyé ni modifié.' and 'ajoutées 3'; no run recorded, "
        "statuses still scheduled",
    ),
    SYNC_FILE: Check(
        "test_sync_and_check_directory",
        "exit 0; a run of batch size 5000 for the file publisher only; CSV and manifest (exactly "
        "the README's keys) 0600 in tmp_path; statuses still scheduled",
    ),
    SYNC_DISTRIBUTE: Check(
        "test_worker_beat_and_the_commands_that_need_them",
        "with the README's worker running: exit 0, summary, 100%, the batch run by the worker "
        "(also in production, tests/test_production_stack.py)",
    ),
    SYNC_TAKE_OVER: Check(
        "test_sync_and_check_directory",
        "a stale run under way; 'o' on stdin: the question asked, the run closed as abandoned, "
        "a new one succeeded; exit 0",
    ),
    CHECK_DIRECTORY: Check(
        "test_sync_and_check_directory",
        "0 écart(s) and exit 0 after a sync",
    ),
    CHECK_DIRECTORY_VERBOSE: Check(
        "test_sync_and_check_directory",
        "one listing removed: 1 écart(s), the service id, exit 1",
    ),
    RESOLVE_ADDRESSES: Check(
        "test_resolve_addresses",
        "exit 0; the typed city rewritten to the official name with a history row (source Système) and "
        "the listing scheduled; the unresolved record's service id printed, not its city; a rerun "
        "corrects nothing",
    ),
    RECAPITALISE_NAMES: Check(
        "test_recapitalise_names",
        "exit 0; a name stored in capitals rewritten in its usual capitalisation with a history row "
        "(source Système) and the listing scheduled; a mixed-case name untouched; a rerun corrects nothing",
    ),
    EMERGENCY: Check(
        "test_export_emergency_locations",
        "exit 0; urgence-*-complet.csv (the README's columns) and urgence-*-adresses-manquantes.csv, "
        "0600, in tmp_path, as printed; progress bar on stderr",
    ),
    EMERGENCY_SINCE: Check(
        "test_export_emergency_locations",
        "exit 0; the file the README names for that date (urgence-*-depuis-20261101.csv), with the "
        "service changed since then only",
    ),
    CURL_EMERGENCY: Check(
        "test_operator_api_curls",
        "against make serve on :8000 with $TOKEN: the service's location as JSON (200 in the log)",
    ),
    CURL_PORTABILITY: Check(
        "test_operator_api_curls",
        "against make serve on :8000 with $TOKEN: not eligible, key_mismatch, recorded as a check",
    ),
    BENCH_SYNC: Check(
        "test_benchmarks",
        "--size 2000: exit 0; the last line is JSON with exactly the keys the README lists, size 2000",
    ),
    BENCH_ADMIN: Check(
        "test_benchmarks",
        "--size 2000: exit 0; the last line is JSON: size 2000, every page 200 with its figures",
    ),
    BENCH_API: Check(
        "test_api_benchmark",
        "--services 200 --seconds 2: exit 0, no error; the last line is the JSON the README lists, every "
        "figure positive",
    ),
    DEPLOY_EXPORT: Check(
        "test_the_deploying_example",
        "its variables are the settings' own; with the test's values: make serve starts",
    ),
    MAKE_SERVE: Check(
        "test_the_deploying_example",
        "after the export: gunicorn on WEB_BIND, /healthz 200, /readyz 503 for want of a worker "
        "only, HTTPS redirect; clean SIGTERM",
    ),
    WORKER: Check(
        "test_worker_beat_and_the_commands_that_need_them",
        "development settings from ENV_FILE: 'ready.', runs the health check, a sync batch and the "
        "sweep beat sent; exit 0 on SIGTERM (production: tests/test_production_stack.py)",
    ),
    BEAT: Check(
        "test_worker_beat_and_the_commands_that_need_them",
        "'beat: Starting...', sends the overdue lines.bulk_apply_sweep (CELERY_BEAT_SCHEDULE in "
        "tmp_path, seeded); exit 0 on SIGTERM",
    ),
    HEALTH_CHECK: Check(
        "test_worker_beat_and_the_commands_that_need_them",
        "exit 0, prints the task id; its result: this host's name and postgresql",
    ),
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/telecom_panel REDIS_URL=redis://127.0.0.1:6379/15 make test": Exempt(
        "it is what runs this test (the whole suite, as CI runs it, on CI's own database and Redis)"
    ),
    MAKE_TEST_ARGS: Check(
        "test_make_test_with_pytest_arguments",
        "SQLite and no Redis, as 'make test': exit 0, some tests passed, the others deselected",
    ),
    "bash .ci/run": Exempt(
        "CI's entry point, which runs this suite (and recreates CI's database, installs packages)"
    ),
}


def run(command, env, *, input=None, timeout=180) -> subprocess.CompletedProcess:
    """`command` as written, `bash -c`, from the project's root."""
    return subprocess.run(["bash", "-c", command], cwd=PROJECT, env=env, input=input, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def shown(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def test_the_table_has_exactly_the_readme_commands():
    documented = set(readme_commands(README.read_text(encoding="utf-8")))
    assert sorted(documented - set(COMMANDS)) == [], "README commands without a check in COMMANDS"
    assert sorted(set(COMMANDS) - documented) == [], "COMMANDS entries the README no longer has"


def test_every_check_is_a_test_of_this_module():
    tests = {name for name, value in globals().items() if name.startswith("test_") and callable(value)}
    for command, check in COMMANDS.items():
        assert isinstance(check, Check | Exempt), command
        if isinstance(check, Check):
            assert check.test in tests, f"{command!r}: no {check.test} here"


def test_the_commands_are_read_as_a_shell_reads_them():
    text = (
        "```sh\nmake run     # a comment\n# a whole-line comment\n\n"
        'curl -d \'{"a": "# kept"}\' \\\n     http://x/   # cut\necho a#b\n```\n'
        "```yaml\nnot: a command\n```\n"
    )
    assert readme_commands(text) == ["make run", 'curl -d \'{"a": "# kept"}\' http://x/', "echo a#b"]


# --- Environments ---------------------------------------------------------------------------------

# What this process's environment holds that a command typed on a development checkout would not
# have (the make variables too: under `make test`, a nested make would inherit PYTEST_ARGS).
NOT_INHERITED = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "DEBUG", "STRICT_SKIPS", "ENV_FILE",
                 "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", *production.PRODUCTION}  # fmt: skip


def make_run_env_line() -> str:
    """The line `make run` writes into `.env` (the Makefile's `.env` rule)."""
    found = re.search(r'^\.env:\n\techo "([^"]+)" > \$@$', (PROJECT / "Makefile").read_text(), re.MULTILINE)
    assert found, "the Makefile's .env rule changed: update this test"
    return found.group(1)


def development_environment(tmp_path, **more) -> dict:
    """A checkout after `make run`: its .env (a copy, named by ENV_FILE), the test's database, the
    exports in tmp_path; no Redis unless `more` names one."""
    env_file = tmp_path / "dot-env"
    env_file.write_text(make_run_env_line() + "\n")
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return {
        **kept,
        "ENV_FILE": str(env_file),
        "DATABASE_URL": production.test_database_url(),
        "DIRECTORY_EXPORT_DIR": str(tmp_path / "exports"),
        "EMERGENCY_EXPORT_DIR": str(tmp_path / "urgence"),
        **more,
    }


# --- make run -------------------------------------------------------------------------------------


def test_make_run(tmp_path):
    port = free_port()
    dot_env = PROJECT / ".env"
    had_dot_env = dot_env.exists()
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env = {**kept, "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DIRECTORY_EXPORT_DIR": str(tmp_path / "exports"), "EMERGENCY_EXPORT_DIR": str(tmp_path / "urgence")}  # fmt: skip
    server = spawn("make-run", MAKE_RUN, env=env, folder=tmp_path)
    try:
        wait_for_http(port, "/connexion/", server, timeout=150)
        assert f"Panel:  http://127.0.0.1:{port}/" in server.output()
        with sqlite3.connect(tmp_path / "db.sqlite3") as database:
            users = {name for (name,) in database.execute("SELECT username FROM accounts_user")}
        assert {"demo", "autre", "support"} <= users
        page = http_request(port, "GET", "/connexion/")
        assert "Connexion à votre espace client" in page.text
        the_api_example_against(port, tmp_path)
    finally:
        status = server.stop()
        if not had_dot_env and dot_env.exists():
            assert dot_env.read_text().strip() == make_run_env_line()
            dot_env.unlink()
    assert status == -15, server.output()  # make, killed by the SIGTERM sent to its group


def exported(line: str, values: dict) -> dict:
    """An `export NAME=<placeholder> ...` line of the README, with each placeholder's value."""
    assignments = dict(item.split("=", 1) for item in shlex.split(line.removeprefix("export ")))
    return {name: values[placeholder.strip("<>")] for name, placeholder in assignments.items()}


def the_api_example_against(port, tmp_path):
    """The README's API block on the `make run` checkout: the command, the script twice, and between
    them what the customer does in a browser (signed in as demo, Autoriser), over HTTP."""
    database = tmp_path / "db.sqlite3"
    env = development_environment(tmp_path, DATABASE_URL=f"sqlite:///{database}")
    result = run(CREATE_API_APPLICATION, env)
    assert result.returncode == 0, shown(result)
    keys = json.loads(result.stdout.strip().splitlines()[-1])
    env.update(exported(EXPORT_API_APPLICATION, keys), TELECOM_PANEL_API=f"http://127.0.0.1:{port}/1.0")

    result = run(EXAMPLE_SCRIPT, env)
    assert result.returncode == 0, shown(result)
    link = re.search(
        r"(http://127\.0\.0\.1:\d+/compte/api/autorisation/\?credentialToken=\S+)", result.stdout
    )
    printed = re.search(r"export OVH_CONSUMER_KEY=(\w+)", result.stdout)
    assert link and printed, shown(result)

    browser = requests.Session()
    login = f"http://127.0.0.1:{port}/connexion/"
    browser.get(login, timeout=30)
    signed_in = browser.post(login, timeout=30, allow_redirects=False, headers={"Referer": login}, data={
        "username": "demo", "password": "demo", "csrfmiddlewaretoken": browser.cookies["csrftoken"]})  # fmt: skip
    assert signed_in.status_code == 302, signed_in.text[:500]
    consent = browser.get(link.group(1), timeout=30)
    assert consent.status_code == 200 and "Autoriser" in consent.text
    token = link.group(1).split("credentialToken=")[1]
    decided = browser.post(link.group(1), timeout=30, allow_redirects=False, headers={"Referer": link.group(1)},
                           data={"credentialToken": token, "validity": "1d", "decision": "autoriser",
                                 "csrfmiddlewaretoken": browser.cookies["csrftoken"]})  # fmt: skip
    assert decided.status_code == 303, decided.text[:500]

    with sqlite3.connect(database) as db:
        missing_before = db.execute(MISSING_DETAILS, ("demo",)).fetchone()[0]
    assert missing_before > 0
    env.update(exported(EXPORT_CONSUMER_KEY, {"consumerKey": printed.group(1)}))
    result = run(EXAMPLE_SCRIPT, env)
    assert result.returncode == 0, shown(result)
    assert f"Terminé : {missing_before} ligne(s) complétée(s)" in result.stdout, shown(result)
    with sqlite3.connect(database) as db:
        assert db.execute(MISSING_DETAILS, ("demo",)).fetchone()[0] == 0
        sources = db.execute(
            "SELECT DISTINCT source, application FROM lines_servicechange WHERE source = 'api'"
        )
        assert sources.fetchall() == [("api", "Mon script")]


# demo's active services without contact details
MISSING_DETAILS = (
    "SELECT count(*) FROM lines_service s JOIN lines_billingaccount b ON b.id = s.billing_account_id "
    "JOIN accounts_user u ON u.id = b.owner_id LEFT JOIN lines_contactdetails d ON d.service_id = s.id "
    "WHERE u.username = ? AND s.state = 'active' AND d.service_id IS NULL"
)


# --- make test ------------------------------------------------------------------------------------


def test_make_test_with_pytest_arguments(tmp_path):
    """As `make test` runs on a fresh checkout (SQLite, tasks in-process); pytest's cache and
    Hypothesis' examples go to tmp_path instead of the checkout."""
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env = {**kept, "PYTEST_ADDOPTS": f"-p no:cacheprovider --basetemp={tmp_path / 'pytest'}",
           "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis")}  # fmt: skip
    result = run(MAKE_TEST_ARGS, env, timeout=300)
    assert result.returncode == 0, shown(result)
    summaries = re.findall(r"^.*\bpassed\b.* in [\d.]+s\b.*$", result.stdout, re.MULTILINE)
    assert summaries, shown(result)
    summary = summaries[-1]
    assert re.search(r"\b[1-9]\d* passed\b", summary) and "deselected" in summary, summary
    assert "failed" not in summary and "error" not in summary, summary


# --- sync_directory, check_directory --------------------------------------------------------------


def count(label, output):
    """The number on the summary line `label` of sync_directory's output."""
    found = re.search(rf"^  {re.escape(label)} +(\d+)$", output, re.MULTILINE)
    assert found, f"no {label!r} line in:\n{output}"
    return int(found.group(1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sync_and_check_directory(customer, communes, tmp_path, settings):
    env = development_environment(tmp_path)
    exports = tmp_path / "exports"
    settings.DIRECTORY_EXPORT_DIR = exports
    services = factories.make_scheduled_services(customer, 3)

    # --dry-run: what would be sent; nothing is written.
    result = run(SYNC_DRY_RUN, env)
    assert result.returncode == 0, shown(result)
    assert "Simulation : rien n'a été envoyé ni modifié." in result.stdout
    assert count("ajoutées", result.stdout) == 3
    assert not SyncRun.objects.exists() and not exports.exists()
    assert set(Publication.objects.values_list("status", flat=True)) == {"scheduled"}

    # The full run, inline, with its progress bar.
    result = run(SYNC, env)
    assert result.returncode == 0, shown(result)
    full = SyncRun.objects.get()
    assert (full.status, full.trigger, full.added) == ("succeeded", "command", 3)
    assert f"Synchronisation #{full.pk} : Réussie (1 lot)" in result.stdout
    assert count("ajoutées", result.stdout) == 3 and count("écarts réparés avant l'envoi", result.stdout) == 0
    assert "100%" in result.stderr and "Synchronisation" in result.stderr, result.stderr
    assert set(Publication.objects.values_list("status", flat=True)) == {"synced"}
    assert Listing.objects.count() == 3
    for name in full.export_files:
        assert f"fichier : {exports / name}" in result.stdout and (exports / name).exists()

    # check_directory: nothing differs; then, --verbose, a listing lost from our directory.
    result = run(CHECK_DIRECTORY, env)
    assert result.returncode == 0, shown(result)
    assert "Contrôle des annuaires : 0 écart(s)" in result.stdout
    assert "Chaque annuaire contient exactement ce que les abonnés ont choisi." in result.stdout
    Listing.objects.filter(service=services[0]).delete()
    result = run(CHECK_DIRECTORY_VERBOSE, env)
    assert result.returncode == 1, shown(result)
    assert "Contrôle des annuaires : 1 écart(s)" in result.stdout
    assert f"services : {services[0].pk}" in result.stdout
    assert "1 écart(s) : la prochaine synchronisation complète les réparera." in result.stderr

    # --batch-size 5000 --publisher file: two new records go to the export only; they stay
    # scheduled for the full run.
    added = factories.make_scheduled_services(customer, 2, first_number=30_000_000)
    result = run(SYNC_FILE, env)
    assert result.returncode == 0, shown(result)
    restricted = SyncRun.objects.latest("pk")
    assert (restricted.status, restricted.batch_size, restricted.publishers) == ("succeeded", 5000, ["file"])
    assert f"Synchronisation #{restricted.pk} : Réussie (1 lot)" in result.stdout
    assert set(Publication.objects.filter(service__in=added).values_list("status", flat=True)) == {
        "scheduled"
    }
    (csv_name,) = [name for name in restricted.export_files if name.endswith(".csv")]
    export, manifest_file = exports / csv_name, exports / f"{csv_name}.manifest.json"
    assert f"fichier : {export}" in result.stdout
    manifest = json.loads(manifest_file.read_text())
    # Exactly the keys the README lists.
    documented = re.search(r"`<file>\.manifest\.json` \(([^)]*)\)", README.read_text(encoding="utf-8"))
    assert set(re.findall(r"`(\w+)`", documented.group(1))) == set(manifest), (documented.group(1), manifest)
    assert (manifest["rows"], manifest["run"], manifest["file"]) == (2, restricted.pk, csv_name)
    assert manifest["sha256"] == hashlib.sha256(export.read_bytes()).hexdigest()
    with open(export, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(row["listing_id"] for row in rows) == sorted(str(service.pk) for service in added)
    assert {row["action"] for row in rows} == {"add"}
    assert {oct(path.stat().st_mode & 0o777) for path in (export, manifest_file)} == {"0o600"}

    # --take-over: a run whose process died an hour ago; ops answer "o".
    an_hour_ago = timezone.now() - timedelta(hours=1)
    dead = SyncRun.objects.create(trigger="command", batch_size=20000, publishers=["annuaire", "file"],
                                  started_at=an_hour_ago, heartbeat_at=an_hour_ago)  # fmt: skip
    result = run(SYNC_TAKE_OVER, env, input="o\n")
    assert result.returncode == 0, shown(result)
    assert f"Synchronisation #{dead.pk} en cours depuis" in result.stdout
    assert "Son processus est-il bien arrêté ? La reprendre maintenant [o/N] ?" in result.stdout
    assert f"Synchronisation #{dead.pk} close comme abandonnée ; une nouvelle commence." in result.stdout
    dead.refresh_from_db()
    assert dead.status == "abandoned"
    fresh = SyncRun.objects.latest("pk")
    assert fresh.status == "succeeded" and f"Synchronisation #{fresh.pk} : Réussie" in result.stdout
    assert count("écarts réparés avant l'envoi", result.stdout) == fresh.repaired >= 1  # the lost listing
    assert set(Publication.objects.values_list("status", flat=True)) == {"synced"}
    assert Listing.objects.count() == 5


# --- export_emergency_locations -------------------------------------------------------------------


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_resolve_addresses(customer, communes, tmp_path):
    env = development_environment(tmp_path)
    typed = factories.make_service(customer, number="+33199005011")
    factories.make_contact_details(typed, postcode="42000", city="saint etienne")
    Publication.objects.create(service=typed, listed=True, status=Publication.Status.SYNCED, in_directory=True,
                               revision=1)  # fmt: skip
    lost = factories.make_service(customer, number="+33199005012")
    factories.make_contact_details(lost)
    ContactDetails.objects.filter(service=lost).update(city="Nulle Part")

    result = run(RESOLVE_ADDRESSES, env)
    assert result.returncode == 0, shown(result)
    assert "2 addresses examined, 1 corrected (history row each), 1 scheduled" in result.stdout
    assert f"Unresolved service ids: {lost.pk}" in result.stdout and "Nulle Part" not in result.stdout
    assert ContactDetails.objects.get(service=typed).city == "Saint-Étienne"
    assert ServiceChange.objects.get(service=typed).source == ServiceChange.Source.SYSTEM
    assert Publication.objects.get(service=typed).status == Publication.Status.SCHEDULED
    again = run(RESOLVE_ADDRESSES, env)
    assert again.returncode == 0 and "0 corrected" in again.stdout, shown(again)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recapitalise_names(customer, communes, tmp_path):
    env = development_environment(tmp_path)
    shouted = factories.make_service(customer, number="+33199005021")
    factories.make_contact_details(shouted, last_name="DURAND", first_name="CLAIRE")
    Publication.objects.create(service=shouted, listed=True, status=Publication.Status.SYNCED, in_directory=True,
                               revision=1)  # fmt: skip
    mixed = factories.make_service(customer, number="+33199005022")
    factories.make_contact_details(mixed, last_name="de Gaulle", first_name="Charles")

    result = run(RECAPITALISE_NAMES, env)
    assert result.returncode == 0, shown(result)
    assert "1 corrected (history row each), 1 scheduled" in result.stdout, shown(result)
    assert "DURAND" not in result.stdout
    details = ContactDetails.objects.get(service=shouted)
    assert (details.last_name, details.first_name) == ("Durand", "Claire")
    assert ServiceChange.objects.get(service=shouted).source == ServiceChange.Source.SYSTEM
    assert Publication.objects.get(service=shouted).status == Publication.Status.SCHEDULED
    assert ContactDetails.objects.get(service=mixed).last_name == "de Gaulle"
    again = run(RECAPITALISE_NAMES, env)
    assert again.returncode == 0 and "0 corrected" in again.stdout, shown(again)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_emergency_locations(customer, communes, tmp_path):
    env = development_environment(tmp_path)
    folder = tmp_path / "urgence"
    changed = factories.make_service(customer, number="+33199005001")
    factories.make_contact_details(changed)
    older = factories.make_service(customer, number="+33199005002")
    factories.make_contact_details(older)
    factories.make_service(customer, number="+33199005003")  # no address
    # One location changed after the README's date, one before (whatever today's date is).
    ContactDetails.objects.filter(service=changed).update(updated_at=at("2026-11-15T12:00"))
    ContactDetails.objects.filter(service=older).update(updated_at=at("2026-10-01T12:00"))
    Service.objects.filter(pk=older.pk).update(created_at=at("2026-09-01T12:00"))
    readme = README.read_text(encoding="utf-8")
    columns = re.search(r"with `(action, number[^`]*)`", readme).group(1)
    documented_columns = [column.strip() for column in columns.split(",")]

    result = run(EMERGENCY, env)
    assert result.returncode == 0, shown(result)
    (complete,) = folder.glob("urgence-*-complet.csv")
    (missing,) = folder.glob("urgence-*-adresses-manquantes.csv")
    assert f"2 localisations : {complete}" in result.stdout
    assert f"1 service sans adresse d'installation : {missing}" in result.stdout
    assert "Urgence" in result.stderr and "lignes" in result.stderr, result.stderr
    with open(complete, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == documented_columns
    assert sorted(row["number"] for row in rows) == ["+33199005001", "+33199005002"]
    assert {(row["insee_code"], row["arrondissement_insee"], row["departement"]) for row in rows} == {
        ("75056", "75111", "75")
    }
    assert {oct(path.stat().st_mode & 0o777) for path in (complete, missing)} == {"0o600"}

    result = run(EMERGENCY_SINCE, env)
    assert result.returncode == 0, shown(result)
    # The file the README names for this date.
    example = re.search(r"`(-depuis-\w+\.csv)` for `--since ([\d-]+)`", readme)
    assert example and EMERGENCY_SINCE.endswith(f"--since {example.group(2)}"), "the README's example changed"
    (since,) = folder.glob(f"urgence-*{example.group(1)}")
    assert f"1 localisation : {since}" in result.stdout
    with open(since, encoding="utf-8", newline="") as f:
        assert [row["number"] for row in csv.DictReader(f)] == ["+33199005001"]


# --- Worker and beat ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_beat_and_the_commands_that_need_them(customer, communes, tmp_path):
    """The "Worker and beat" block on a `make run` checkout with REDIS_URL set; beat's schedule
    file goes to tmp_path through CELERY_BEAT_SCHEDULE (the `--schedule` option's variable) and
    is seeded with an overdue sweep (tests/stack.py), so beat sends it at once."""
    redis_url = os.environ["REDIS_URL"]
    schedule = tmp_path / "celerybeat-schedule"
    seed_beat_schedule(schedule)
    env = development_environment(tmp_path, REDIS_URL=redis_url)
    flush_redis(redis_url)
    worker = spawn("worker", WORKER, env=env, folder=tmp_path)
    beat = spawn("beat", BEAT, env={**env, "CELERY_BEAT_SCHEDULE": str(schedule)}, folder=tmp_path)
    try:
        worker.wait_for(r"celery@\S+ ready\.", timeout=120)
        beat.wait_for(r"beat: Starting\.\.\.", timeout=120)

        result = run(HEALTH_CHECK, env)
        assert result.returncode == 0, shown(result)
        task_id = result.stdout.strip()
        assert re.fullmatch(r"[0-9a-f-]{36}", task_id), shown(result)
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # read from Redis
        try:
            answer = app.AsyncResult(task_id).get(timeout=60)
        finally:
            app.conf.task_always_eager = eager
        assert answer == {"worker": socket.gethostname(), "database": "postgresql"}

        factories.make_scheduled_services(customer, 3)
        result = run(SYNC_DISTRIBUTE, env)
        assert result.returncode == 0, shown(result) + worker.output()
        distributed = SyncRun.objects.get()
        assert (distributed.status, distributed.added, distributed.batches_total) == ("succeeded", 3, 1)
        assert f"Synchronisation #{distributed.pk} : Réussie (1 lot)" in result.stdout
        assert "100%" in result.stderr, result.stderr
        worker.wait_for(r"Task directory\.sync_batch\[[0-9a-f-]+\] succeeded")
        assert set(Publication.objects.values_list("status", flat=True)) == {"synced"}

        beat.wait_for(r"Sending due task bulk-apply-sweep \(lines\.bulk_apply_sweep\)")
        worker.wait_for(r"Task lines\.bulk_apply_sweep\[[0-9a-f-]+\] succeeded")
    finally:
        exits = {"beat": beat.stop(), "worker": worker.stop()}
        flush_redis(redis_url)
    assert exits == {"beat": 0, "worker": 0}, worker.output() + beat.output()
    assert "Warm shutdown" in worker.output()


# --- The operator API's curls ---------------------------------------------------------------------

API_PORT = 8000  # the address the README's curls name


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_operator_api_curls(customer, communes, tmp_path):
    for command in (CURL_EMERGENCY, CURL_PORTABILITY):
        assert f"http://127.0.0.1:{API_PORT}/" in command
    if not port_is_free(API_PORT):
        pytest.fail(f"port {API_PORT} is taken: the README's curls name http://127.0.0.1:{API_PORT}; free it")
    token = secrets.token_urlsafe(32)
    service = factories.make_service(customer, number="+33972102030", label="Standard")
    factories.make_contact_details(service, factories.COMPANY_DETAILS)
    stack = ProductionStack(tmp_path / "stack", worker=False, beat=False, port=API_PORT, changes={
        "OPERATOR_API_TOKENS": f"routage:urgence+portabilite:{token}",
        "ALLOWED_HOSTS": "127.0.0.1",  # curl's Host
        "SECURE_SSL_REDIRECT": "False",  # plain HTTP on the loopback, as the curls use it
    }).start()  # fmt: skip
    try:
        kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
        env = {**kept, "TOKEN": token}

        result = run(CURL_EMERGENCY, env)
        assert result.returncode == 0, shown(result)
        assert json.loads(result.stdout) == {
            "number": "+33972102030", "insee_code": "69123", "departement": "69",
            "arrondissement_insee": "69383", "street": "de la République", "complement": "",
            "postcode": "69003", "city": "Lyon", "country": "FR",
            "updated_at": ContactDetails.objects.get(service=service).updated_at.isoformat(),
        }  # fmt: skip

        result = run(CURL_PORTABILITY, env)
        assert result.returncode == 0, shown(result)
        answer = json.loads(result.stdout)
        assert (answer["eligible"], answer["ground"]) == (False, "key_mismatch"), answer
        check = PortOutCheck.objects.get()
        assert (check.service_id, check.channel, check.checked_by, check.ground) == (
            service.pk, "api", "routage", "key_mismatch"
        )  # fmt: skip
        web = stack.processes["web"].output()
        assert "GET /api/urgence/<e164:number>/ 200" in web and "POST /api/portabilite/verifier/ 200" in web
    finally:
        exits = stack.stop(check=False)
    assert exits == {"web": -15}, stack.logs()  # make, killed by the SIGTERM sent to its group...
    assert_gunicorn_shut_down(stack.processes["web"].output())  # ...while gunicorn shut down


# --- Deploying ------------------------------------------------------------------------------------

# The README's example values replaced by the test's; the others kept as written.
KEPT_AS_WRITTEN = {"DEFAULT_FROM_EMAIL", "PUBLIC_DIRECTORY_TRUSTED_PROXIES"}


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_deploying_example(communes, tmp_path):
    words = shlex.split(DEPLOY_EXPORT)
    assert words[0] == "export"
    exported = dict(word.split("=", 1) for word in words[1:])
    settings_source = "".join(
        path.read_text() for path in [*(PROJECT / "telecom_panel" / "settings").glob("*.py"),
                                      PROJECT / "telecom_panel" / "gunicorn.conf.py"]
    )  # fmt: skip
    for name in exported:
        assert f'"{name}"' in settings_source, f"the README exports {name}, which nothing reads"

    smtp = start_smtp_server(MailCollector())
    port = free_port()
    real = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "panel.example",
        "DATABASE_URL": production.test_database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "WEB_BIND": f"127.0.0.1:{port}",
    }
    unknown = set(exported) - set(real) - KEPT_AS_WRITTEN
    assert not unknown, f"the README's example exports {unknown}: give this test a real value for each"
    values = {name: real.get(name, value) for name, value in exported.items()}
    export = "export " + " ".join(f"{name}={shlex.quote(value)}" for name, value in values.items())
    # Nothing else of the production environment: what the example does not export, it lacks.
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env = {**kept, "ENV_FILE": os.devnull, "STATIC_ROOT": str(tmp_path / "static"),
           "DIRECTORY_EXPORT_DIR": str(tmp_path / "exports"), "EMERGENCY_EXPORT_DIR": str(tmp_path / "urgence"),
           "TMPDIR": str(tmp_path)}  # fmt: skip
    server = spawn("deploy", f"{export}\n{MAKE_SERVE}", env=env, folder=tmp_path)
    try:
        host = {"Host": "panel.example"}
        wait_for_http(port, "/healthz", server, headers=host)
        assert "Listening at: http://127.0.0.1:" in server.output()  # (the port is masked)
        ready = http_request(port, "GET", "/readyz", headers=host)
        assert (ready.status, ready.json()["checks"]) == (503, {
            "database": "ok", "migrations": "ok", "redis": "ok", "worker": "no worker answered"
        }), ready.text  # fmt: skip
        page = http_request(port, "GET", "/connexion/", headers=host)
        assert (page.status, page.headers["Location"]) == (301, "https://panel.example/connexion/")
    finally:
        status = server.stop()
        smtp.stop()
        flush_redis(os.environ["REDIS_URL"])  # what /readyz's worker ping left there
    assert status == -15, server.output()  # bash, killed by the SIGTERM sent to its group...
    assert_gunicorn_shut_down(server.output())  # ...while gunicorn shut down


# --- Benchmarks -----------------------------------------------------------------------------------

BENCH_SIZE = 2000


@pytest.mark.postgres
def test_api_benchmark():
    """Short (the services and the counted seconds replaced): gunicorn, its floor and signed reads."""
    from django.db import connection

    database = connection.settings_dict
    server = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    shortened, replaced = re.subn(r"--services \d+ --seconds \d+", "--services 200 --seconds 2", BENCH_API)
    assert replaced == 1, BENCH_API
    result = run(shortened, {**kept, "BENCH_ADMIN_DATABASE_URL": f"{server}/postgres"}, timeout=240)
    assert result.returncode == 0, shown(result)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    readme = README.read_text(encoding="utf-8")
    listed = re.search(
        r"`bench/api_urls.py`\).*?The last line is one JSON object:(.*?)\.\s", readme, re.DOTALL
    )
    assert set(figures) == set(re.findall(r"`(\w+)`", listed.group(1))), listed.group(1)
    assert (figures["services"], figures["errors"]) == (200, 0)
    assert all(value > 0 for name, value in figures.items() if name != "errors"), figures


def test_benchmarks(tmp_path):
    """Both at --size 2000, side by side (each makes its own database on the test's server)."""
    from django.db import connection

    database = connection.settings_dict
    server = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    kept = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    (tmp_path / "tmp").mkdir()  # bench.sync's export folder (tempfile.mkdtemp, never removed)
    env = {**kept, "BENCH_ADMIN_DATABASE_URL": f"{server}/postgres", "TMPDIR": str(tmp_path / "tmp")}
    commands = {}
    for command in (BENCH_SYNC, BENCH_ADMIN):
        resized, replaced = re.subn(r"--size \d+", f"--size {BENCH_SIZE}", command)
        assert replaced == 1, command
        commands[command] = spawn(command.split()[2], resized, env=env, folder=tmp_path)
    try:
        for process in commands.values():
            process.popen.wait(timeout=240)
    finally:
        for process in commands.values():
            process.stop()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin_connection:
            # bench.sync leaves its database behind; bench.admin drops its own.
            admin_connection.execute("DROP DATABASE IF EXISTS telecom_panel_bench WITH (FORCE)")

    sync, admin = commands[BENCH_SYNC], commands[BENCH_ADMIN]
    assert sync.popen.returncode == 0, sync.output()
    figures = json.loads(sync.output().strip().splitlines()[-1])
    readme = README.read_text(encoding="utf-8")
    listed = re.search(r"The\s+last line is one JSON object:(.*?)\.\s", readme, re.DOTALL).group(1)
    assert set(figures) == set(re.findall(r"`(\w+)`", listed)), listed
    assert figures["size"] == BENCH_SIZE
    assert all(value > 0 for value in figures.values()), figures

    assert admin.popen.returncode == 0, admin.output()
    figures = json.loads(admin.output().strip().splitlines()[-1])
    assert figures["size"] == BENCH_SIZE
    pages = figures["pages"]
    assert set(pages) == {"changelist", "search_number_digits", "search_number_spaced", "search_number_e164",
                          "search_number_00", "search_name", "search_siret", "change_page"}  # fmt: skip
    for name, page in pages.items():
        assert page["status"] == 200, (name, page)
        assert set(page) == {"status", "median_ms", "max_ms", "queries"} and page["queries"] > 0, (name, page)
