"""Benchmark of the customer API under gunicorn: signed directory reads/s against a one-query floor.

Both on the same server, on this machine (PostgreSQL, Redis, 127.0.0.1 only).

    python -m bench.api [--services 1000] [--seconds 10] [--connections 8] [--rounds 2]
        [--workers N] [--warmup 2] [--conn-max-age SECONDS] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

1. Creates a fresh database `telecom_panel_bench_api`, migrates it (`manage.py migrate`, the
   server's environment), and fills it with set-based SQL: one customer `bench-api`, one billing
   account, `--services` services, each with contact details (individuals, companies and
   professionals in real communes: Paris 11e, Lyon 3e, Marseille 8e) and a directory publication
   (not requested, synced, scheduled). In a child process with the server's settings, creates an
   API application and a consumer key for `GET /telephony/*` that the customer authorises, through
   customer_api.services, as the panel's pages do; the keys go to this process only, never printed.
2. Serves as `make serve` does: `.venv/bin/gunicorn -c telecom_panel/gunicorn.conf.py`, production
   settings and middleware, `WEB_WORKERS` (default 2 x cores + 1) synchronous workers, Redis
   (db 13) for the request limits, with DJANGO_SETTINGS_MODULE=bench.api_settings: production's
   settings with the project's URLs plus one floor page, `GET /bench/floor?id=<service id>`, one
   SQL query (a service row by primary key) answered as a small JSON object (bench.api_urls).
   Plain HTTP on 127.0.0.1 (SECURE_SSL_REDIRECT=False, as the README has it for the loopback),
   API_RATE_LIMIT_PER_KEY high enough never to answer 429, static files not collected (neither
   page serves any), CONN_MAX_AGE as deployed (0) unless --conn-max-age. Ready when /healthz is 200.
3. Load: `--connections` client processes (Python, http.client; gunicorn's sync workers close each
   connection, so each request opens one), each looping as fast as answers come. A phase is a
   `--warmup` of requests not counted, then `--seconds` counted: the requests started and answered
   within the window, their latency from sending to the last byte read. Phases alternate, floor,
   API, floor, API (`--rounds` of each), so that the machine's noise hits both. Each API request is
   `GET /1.0/telephony/{billingAccount}/service/{serviceName}/directory`, signed as the official
   clients sign (customer_api.signing.signature over the exact URL, X-Ovh-Timestamp of now), the
   service rotating over the customer's; each floor request reads one of the same services' rows.
   Any answer other than 200 (or a failed connection), warm-up included, is an error.
4. Prints, per phase and per kind, requests/s, p50 and p99 latency, errors, the CPU time gunicorn's
   workers spent per counted answer (from /proc over the counted seconds: the web process's share,
   not PostgreSQL's nor Redis'), and how busy the machine was in the half second before the phase,
   while the benchmark sent nothing (other processes' load: on a shared machine, the phases it hit
   show); then `api_ratio_to_floor` = API requests/s / floor requests/s. The last line is one JSON
   object, with the worker CPU per answer of each kind besides the keys above.
   Stops gunicorn (SIGTERM, then waits) and drops the database unless --keep. Exits 1 on any error.

The clients run on the same two cores as the server, PostgreSQL and Redis, and take their share:
the figures are this machine's throughput with its own load generator, not a server's capacity.
"""

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench.sync import database_url, drop_database, recreate_database
from customer_api.signing import signature

BENCH_DB = "telecom_panel_bench_api"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CUSTOMER = "bench-api"
BILLING_ACCOUNT = "be00001-1"
REDIS_URL = "redis://127.0.0.1:6379/13"
RULES = [{"method": "GET", "path": "/telephony/*"}]
READY_TIMEOUT = 60  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 30  # seconds for gunicorn to exit after SIGTERM
REQUEST_TIMEOUT = 10  # seconds for one answer

# (INSEE code, département, postcode, city, arrondissement): real rows of lines_commune.
PLACES = [
    ("75056", "75", "75011", "Paris", "75111"),
    ("69123", "69", "69003", "Lyon", "69383"),
    ("13055", "13", "13008", "Marseille", "13208"),
]


# --- Database ---------------------------------------------------------------------------------


def fill(url: str, services: int) -> list[tuple[int, str]]:
    """The customer, its account, its services with contact details and publications; returns each
    service's (id, serviceName as the API names it: 0033...)."""
    with psycopg.connect(url, autocommit=True) as conn:
        (user_id,) = conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,"
            " is_staff, is_active, date_joined) VALUES ('!', false, %s, '', '', '', false, true, now())"
            " RETURNING id",
            [CUSTOMER],
        ).fetchone()
        (account_id,) = conn.execute(
            "INSERT INTO lines_billingaccount (owner_id, reference, label, created_at, owner_since)"
            " VALUES (%s, %s, 'Compte principal', now(), now()) RETURNING id",
            [user_id, BILLING_ACCOUNT],
        ).fetchone()
        conn.execute(
            "INSERT INTO lines_service (billing_account_id, kind, number, label, state, created_at)"
            " SELECT %s, CASE WHEN mod(g, 2) = 1 THEN 'line' ELSE 'number' END,"
            " '+339' || lpad(g::text, 8, '0'), 'Ligne ' || g, 'active', now()"
            " FROM generate_series(1, %s) AS g",
            [account_id, services],
        )
        conn.execute(
            """
            WITH place (k, commune_id, departement, postcode, city, arrondissement_id) AS (
                SELECT k - 1, commune_id, departement, postcode, city, arrondissement_id FROM unnest(
                    %(communes)s::text[], %(departements)s::text[], %(postcodes)s::text[],
                    %(cities)s::text[], %(arrondissements)s::text[]
                ) WITH ORDINALITY AS p (commune_id, departement, postcode, city, arrondissement_id, k)
            ),
            subscriber AS (
                SELECT id, CASE mod(id, 3) WHEN 0 THEN 'individual' WHEN 1 THEN 'company'
                                ELSE 'professional' END AS legal_form
                FROM lines_service
            )
            INSERT INTO lines_contactdetails (
                service_id, legal_form, last_name, first_name, profession, siret, ape_code, company_name,
                designation_complement, email, street_number, street_number_suffix, street_type,
                street_name, address_complement, postcode, city, commune_id, arrondissement_id,
                departement, country, updated_at
            )
            SELECT s.id, s.legal_form,
                   CASE WHEN s.legal_form = 'individual' THEN 'Durand' ELSE '' END,
                   CASE WHEN s.legal_form = 'individual' THEN 'Claire' ELSE '' END,
                   CASE WHEN s.legal_form = 'professional' THEN 'Architecte' ELSE '' END,
                   CASE WHEN s.legal_form = 'individual' THEN '' ELSE '73282932000074' END,
                   CASE s.legal_form WHEN 'company' THEN '6201Z' WHEN 'professional' THEN '7111Z'
                        ELSE '' END,
                   CASE s.legal_form WHEN 'company' THEN 'Exemple SA'
                        WHEN 'professional' THEN 'Cabinet Durand' ELSE '' END,
                   '', CASE WHEN mod(s.id, 2) = 0 THEN 'client' || s.id || '@example.fr' ELSE '' END,
                   1 + mod(s.id, 150), CASE WHEN mod(s.id, 17) = 0 THEN 'bis' ELSE '' END, 'rue',
                   'de la République', CASE WHEN mod(s.id, 13) = 0 THEN 'Bâtiment B' ELSE '' END,
                   p.postcode, p.city, p.commune_id, p.arrondissement_id, p.departement, 'FR', now()
            FROM subscriber s JOIN place p ON p.k = mod(s.id, %(places)s)
            """,
            {
                "communes": [place[0] for place in PLACES],
                "departements": [place[1] for place in PLACES],
                "postcodes": [place[2] for place in PLACES],
                "cities": [place[3] for place in PLACES],
                "arrondissements": [place[4] for place in PLACES],
                "places": len(PLACES),
            },
        )
        conn.execute(
            """
            INSERT INTO directory_publication (
                service_id, listed, marketing_accepted, reverse_search, name_display, address_display,
                line_designation, status, in_directory, revision, scheduled_at, synced_at, error_reason
            )
            SELECT id, status <> 'none', status <> 'none' AND mod(id, 3) = 0,
                   status <> 'none' AND mod(id, 2) = 0,
                   CASE WHEN mod(id, 4) = 0 THEN 'initial' ELSE 'full' END,
                   CASE WHEN mod(id, 5) = 0 THEN 'city' ELSE 'full' END,
                   CASE WHEN mod(id, 7) = 0 THEN 'Standard' ELSE '' END,
                   status, status = 'synced', CASE WHEN status = 'none' THEN 0 ELSE 1 END,
                   CASE WHEN status = 'scheduled' THEN now() END,
                   CASE WHEN status = 'synced' THEN now() - interval '20 days' END, ''
            FROM (
                SELECT id, CASE mod(id, 3) WHEN 0 THEN 'none' WHEN 1 THEN 'synced' ELSE 'scheduled' END
                           AS status
                FROM lines_service
            ) AS service
            """
        )
        conn.execute("VACUUM ANALYZE")
        rows = conn.execute("SELECT id, number FROM lines_service ORDER BY id").fetchall()
    return [(service_id, "00" + number.lstrip("+")) for service_id, number in rows]


# --- The server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(url: str, port: int, folder: Path, workers: int | None, conn_max_age: int | None) -> dict:
    """The production environment (tests/production.py's variables) for this database and port."""
    dropped = {"DJANGO_SETTINGS_MODULE", "DEBUG", "WEB_WORKERS", "CONN_MAX_AGE", "PORT"}
    values = {
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "ENV_FILE": os.devnull,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "DEFAULT_FROM_EMAIL": "bench@panel.example",
        "PANEL_URL": f"http://127.0.0.1:{port}",
        "PUBLIC_API_BASE": f"http://127.0.0.1:{port}/1.0",
        "API_RATE_LIMIT_PER_KEY": str(10**9),
        "API_RATE_LIMIT_PER_ADDRESS": str(10**9),
        "SECURE_SSL_REDIRECT": "False",
        "WEB_BIND": f"127.0.0.1:{port}",
        "STATIC_ROOT": str(folder / "static"),
        "DIRECTORY_EXPORT_DIR": str(folder / "exports"),
        "EMERGENCY_EXPORT_DIR": str(folder / "urgence"),
    }
    if workers:
        values["WEB_WORKERS"] = str(workers)
    if conn_max_age is not None:
        values["CONN_MAX_AGE"] = str(conn_max_age)
    kept = {key: value for key, value in os.environ.items() if key not in dropped and key not in values}
    return {**kept, **values}


def migrate(environment: dict):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        env={**environment, "LOG_LEVEL": "WARNING"},
        cwd=PROJECT_DIR,
        check=True,
        timeout=600,
    )


def create_keys(environment: dict) -> dict:
    """AK, AS and CK from a child process with the server's settings (the AS is derived from its
    SECRET_KEY): through customer_api.services, as the panel's pages create them."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.api", "--child"],
        env={**environment, "LOG_LEVEL": "WARNING"},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if child.returncode != 0:
        raise RuntimeError(f"creating the API keys failed (exit {child.returncode}):\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def run_child():
    """In the child process: an application of `bench-api`, a key for GET /telephony/*, authorised."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from customer_api.services import api_application_create, consumer_key_decide, consumer_key_request

    owner = get_user_model().objects.get(username=CUSTOMER)
    created = api_application_create(owner=owner, name="Benchmark")
    asked = consumer_key_request(application=created.application, rules=RULES)
    consumer_key_decide(consumer_key=asked.consumer_key, owner=owner, authorise=True)
    print(
        json.dumps(
            {"application_key": created.application.key, "application_secret": created.secret,
             "consumer_key": asked.key}
        )
    )  # fmt: skip


def start_gunicorn(environment: dict, log: Path) -> subprocess.Popen:
    """`make serve`'s last step, in its own session (its own process group, stopped as a whole)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(log, "w", encoding="utf-8") as output:
        return subprocess.Popen(
            [str(gunicorn), "-c", "telecom_panel/gunicorn.conf.py"],
            cwd=PROJECT_DIR,
            env=environment,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_ready(server: subprocess.Popen, port: int, log: Path):
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            finally:
                connection.close()
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{tail(log)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"/healthz not 200 within {READY_TIMEOUT} s:\n{tail(log)}")
        time.sleep(0.2)


def stop_gunicorn(server: subprocess.Popen) -> int | None:
    """SIGTERM to gunicorn's process group, as an orchestrator stops it; SIGKILL after STOP_TIMEOUT."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        return server.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        return None


def tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


# --- Load (client processes) ---------------------------------------------------------------------


def client_loop(task: dict) -> dict:
    """One client: requests back to back from `start` to `end` (time.monotonic, the same clock in
    every process), counting those started at or after `counted_from` and answered by `end`."""
    port, kind, targets = task["port"], task["kind"], task["targets"]
    keys = task["keys"]
    base = f"http://127.0.0.1:{port}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    latencies, errors, samples = [], 0, []
    index = task["offset"]
    while time.monotonic() < task["start"]:
        time.sleep(0.001)
    while True:
        started = time.monotonic()
        if started >= task["end"]:
            break
        service_id, service_name = targets[index % len(targets)]
        index += 1
        if kind == "floor":
            path, headers = f"/bench/floor?id={service_id}", {}
        else:
            path = f"/1.0/telephony/{BILLING_ACCOUNT}/service/{service_name}/directory"
            timestamp = str(int(time.time()))
            headers = {
                "X-Ovh-Application": keys["application_key"],
                "X-Ovh-Consumer": keys["consumer_key"],
                "X-Ovh-Timestamp": timestamp,
                "X-Ovh-Signature": signature(
                    application_secret=keys["application_secret"], consumer_key=keys["consumer_key"],
                    method="GET", url=base + path, body=b"", timestamp=timestamp,
                ),
            }  # fmt: skip
        try:
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
            status = answer.status
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            status, body = None, type(error).__name__.encode()
        finished = time.monotonic()
        if status != 200:
            errors += 1
            if len(samples) < 3:
                samples.append(f"{status}: {body[:200].decode('utf-8', errors='replace')}")
        elif started >= task["counted_from"] and finished <= task["end"]:
            latencies.append(finished - started)
    connection.close()
    return {"latencies": latencies, "errors": errors, "samples": samples}


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank, in milliseconds; 0 when nothing was counted."""
    if not ordered:
        return 0.0
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1] * 1000


def workers_cpu_seconds(master: int) -> float:
    """User and system CPU time of gunicorn's workers (the master's children), from /proc."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # fields[0] is the state, then the parent, ... utime, stime
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy(seconds: float = 0.5) -> float:
    """The share of the machine's CPU time that was busy over `seconds` (/proc/stat), while this
    benchmark sends nothing: what other processes of the machine were using."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        idle = values[3] + values[4]  # idle, iowait
        return sum(values) - idle, sum(values)

    busy_before, total_before = sample()
    time.sleep(seconds)
    busy_after, total_after = sample()
    return (busy_after - busy_before) / max(1, total_after - total_before)


def run_phase(pool, kind: str, port: int, targets: list, keys: dict, args, master: int) -> dict:
    """All clients at once on `kind`: warm-up, then `--seconds` counted; the CPU time the workers
    spent in the counted window, and how busy the machine was just before."""
    busy = machine_busy()
    start = time.monotonic() + 0.3  # every client process is waiting by then
    counted_from = start + args.warmup
    end = counted_from + args.seconds
    stride = max(1, len(targets) // args.connections)
    tasks = [
        {"port": port, "kind": kind, "targets": targets, "keys": keys, "offset": client * stride,
         "start": start, "counted_from": counted_from, "end": end}
        for client in range(args.connections)
    ]  # fmt: skip
    running = pool.map_async(client_loop, tasks)
    time.sleep(max(0.0, counted_from - time.monotonic()))
    cpu_before = workers_cpu_seconds(master)
    time.sleep(max(0.0, end - time.monotonic()))
    cpu = workers_cpu_seconds(master) - cpu_before
    results = running.get(timeout=REQUEST_TIMEOUT + 30)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    return {
        "kind": kind,
        "busy_before": busy,
        "cpu_seconds": cpu,
        "requests": len(latencies),
        "seconds": args.seconds,
        "latencies": latencies,
        "errors": sum(result["errors"] for result in results),
        "samples": [sample for result in results for sample in result["samples"]][:3],
    }


def summary(phases: list[dict]) -> dict:
    latencies = sorted(latency for phase in phases for latency in phase["latencies"])
    seconds = sum(phase["seconds"] for phase in phases)
    return {
        "rps": len(latencies) / seconds,
        "cpu_ms": 1000 * sum(phase["cpu_seconds"] for phase in phases) / len(latencies) if latencies else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "errors": sum(phase["errors"] for phase in phases),
        "requests": len(latencies),
    }


# --- Report -------------------------------------------------------------------------------------


def print_table(phases: list[dict], totals: dict):
    print(
        f"{'phase':<16} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
        f" {'worker CPU ms/req':>18} {'busy before':>12}"
    )
    rounds = {}
    for phase in phases:
        rounds[phase["kind"]] = rounds.get(phase["kind"], 0) + 1
        figures = summary([phase])
        name = f"{phase['kind']} #{rounds[phase['kind']]}"
        print(
            f"{name:<16} {figures['requests']:>9,} {figures['rps']:>9,.1f} {figures['p50_ms']:>8.1f}"
            f" {figures['p99_ms']:>8.1f} {figures['errors']:>7} {figures['cpu_ms']:>18.2f}"
            f" {phase['busy_before']:>11.0%}"
        )
    for kind, figures in totals.items():
        print(
            f"{kind + ' (all)':<16} {figures['requests']:>9,} {figures['rps']:>9,.1f} {figures['p50_ms']:>8.1f}"
            f" {figures['p99_ms']:>8.1f} {figures['errors']:>7} {figures['cpu_ms']:>18.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000, help="services of the customer (at least 1)")
    parser.add_argument("--seconds", type=float, default=10.0, help="counted seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of uncounted requests per phase")
    parser.add_argument("--connections", type=int, default=8, help="client processes, one request at a time")
    parser.add_argument("--rounds", type=int, default=2, help="floor then API phases, this many of each")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="CONN_MAX_AGE for the server (default: as deployed, 0)"
    )
    parser.add_argument("--keep", action="store_true", help=f"keep the database {BENCH_DB} at the end")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database to connect to for creating the bench database",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child()
    if args.services < 1 or args.connections < 1 or args.rounds < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--services, --connections and --rounds must be at least 1, --seconds positive")

    url = database_url(args.database_url, BENCH_DB)
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    (folder / "static").mkdir()
    environment = server_env(url, port, folder, args.workers, args.conn_max_age)
    workers = args.workers or multiprocessing.cpu_count() * 2 + 1
    log = folder / "gunicorn.log"
    print(
        f"bench: customer API at {args.services:,} services, {workers} gunicorn workers, "
        f"{args.connections} connections, {args.rounds} x ({args.warmup:g} s warm-up + {args.seconds:g} s) "
        f"per kind, database {BENCH_DB}, http://127.0.0.1:{port}"
    )
    started = time.perf_counter()
    recreate_database(args.database_url, BENCH_DB)
    server = None
    phases = []
    try:
        migrate(environment)
        print(f"migrated in {time.perf_counter() - started:.1f} s")
        step = time.perf_counter()
        targets = fill(url, args.services)
        keys = create_keys(environment)
        print(f"filled {len(targets):,} services, API key authorised in {time.perf_counter() - step:.1f} s")
        server = start_gunicorn(environment, log)
        wait_ready(server, port, log)
        with multiprocessing.get_context("fork").Pool(args.connections) as pool:
            for _ in range(args.rounds):
                for kind in ("floor", "api"):
                    phases.append(run_phase(pool, kind, port, targets, keys, args, server.pid))
    finally:
        if server is not None:
            status = stop_gunicorn(server)
            if status is None or "Traceback" in tail(log, 200):
                print(f"gunicorn did not stop cleanly (exit {status}):\n{tail(log)}")
        log_tail = tail(log)
        shutil.rmtree(folder, ignore_errors=True)
        if args.keep:
            print(f"database {BENCH_DB} kept")
        else:
            drop_database(args.database_url, BENCH_DB)

    totals = {
        kind: summary([phase for phase in phases if phase["kind"] == kind]) for kind in ("floor", "api")
    }
    print_table(phases, totals)
    floor, api = totals["floor"], totals["api"]
    ratio = api["rps"] / floor["rps"] if floor["rps"] else 0.0
    errors = floor["errors"] + api["errors"]
    print(f"api_ratio_to_floor: {ratio:.3f} (signed directory GET req/s / one-query floor req/s)")
    print(
        f"worker CPU per answer: floor {floor['cpu_ms']:.2f} ms, api {api['cpu_ms']:.2f} ms"
        f" (floor / api {floor['cpu_ms'] / api['cpu_ms'] if api['cpu_ms'] else 0:.3f}); {os.cpu_count()} cores"
    )
    if errors:
        print(f"ERRORS: {errors} answers were not 200 (floor {floor['errors']}, api {api['errors']}), e.g.:")
        for phase in phases:
            for sample in phase["samples"]:
                print(f"  {phase['kind']}: {sample}")
        print(f"gunicorn's log, last lines:\n{log_tail}")
    print(
        json.dumps(
            {
                "services": args.services,
                "workers": workers,
                "connections": args.connections,
                "seconds": args.seconds,
                "floor_rps": round(floor["rps"], 1),
                "floor_p99_ms": round(floor["p99_ms"], 2),
                "api_directory_rps": round(api["rps"], 1),
                "api_directory_p50_ms": round(api["p50_ms"], 2),
                "api_directory_p99_ms": round(api["p99_ms"], 2),
                "api_ratio_to_floor": round(ratio, 3),
                "errors": errors,
                "floor_worker_cpu_ms": round(floor["cpu_ms"], 2),
                "api_directory_worker_cpu_ms": round(api["cpu_ms"], 2),
            }
        )
    )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
