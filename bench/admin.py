"""Benchmark of the support admin on a realistic PostgreSQL database (1,000,000 services by default).

    python -m bench.admin --size 1000000 [--repeat 5] [--keep] [--show-sql]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

1. Creates a fresh database `telecom_panel_bench_admin`, migrates it, and fills it with set-based
   SQL (generate_series): N/100 customers with one billing account each, 100 services per account,
   contact details for 90% of the services (individuals, companies, professionals in five
   communes), a directory publication for 60% (none, synced, scheduled, error), a few history
   entries for the service whose change page is opened. The indexes that back no constraint are
   dropped for the load and rebuilt after it. Prints how long each step took.
2. Creates a staff user `bench-support` (group `support`) and a superuser `bench-admin`.
3. In a child process whose settings point at that database, logs `bench-support` in with the test
   client and times `client.get(url)` for each page (the request is handled in-process, so that is
   the server time, without network or connection set-up): the service changelist, a search for
   one existing number in the four usual ways of writing it, a name and a SIRET search, and one
   service's change page. One warm-up, then `--repeat` runs: median and max, status code and the
   number of SQL queries of a run.
Prints a table; the last line is one JSON object. The database is dropped at the end unless --keep.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg.types.json import Jsonb

from bench.sync import database_url, drop_database, recreate_database

BENCH_DB = "telecom_panel_bench_admin"
PROJECT_DIR = Path(__file__).resolve().parent.parent
SERVICES_PER_ACCOUNT = 100
SUPPORT_USER = "bench-support"
ADMIN_USER = "bench-admin"

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Morel",
]  # fmt: skip
FIRST_NAMES = [
    "Camille", "Léa", "Louis", "Manon", "Hugo", "Chloé", "Lucas", "Emma", "Jules", "Inès", "Nathalie",
]  # fmt: skip
# A company's name and its APE/NAF code, picked together by the same index.
COMPANY_NAMES = [
    "Boulangerie du Marché", "Transports Moreau", "Garage des Halles", "Pharmacie Centrale",
    "Hôtel de la Gare", "Imprimerie Vincent", "Plomberie Roux", "Agence Horizon Immobilier",
    "Restaurant Le Provençal", "Librairie Fournier", "Atelier Garcia", "Clinique Saint-Louis",
    "Bureau d'études Simon",
]  # fmt: skip
COMPANY_APE_CODES = [
    "1071C", "4941A", "4520A", "4773Z", "5510Z", "1812Z", "4322A", "6831Z", "5610A", "4761Z", "9524Z",
    "8610Z", "7112B",
]  # fmt: skip
# A professional's profession and its APE/NAF code, likewise.
PROFESSIONS = [
    "Médecin généraliste", "Avocat", "Architecte", "Infirmière", "Kinésithérapeute", "Expert-comptable",
    "Notaire",
]  # fmt: skip
PROFESSION_APE_CODES = ["8621Z", "6910Z", "7111Z", "8690D", "8690E", "6920Z", "6910Z"]
STREET_TYPES = ["rue", "avenue", "boulevard", "place", "chemin", "allee", "impasse"]
STREET_NAMES = [
    "de la République", "Victor Hugo", "des Lilas", "Jean Jaurès", "du Général de Gaulle", "Pasteur",
    "de la Gare",
]  # fmt: skip

# (INSEE code, département, postcode, city, arrondissement): real rows of lines_commune.
PLACES = [
    ("75056", "75", "75011", "Paris", "75111"),
    ("69123", "69", "69003", "Lyon", "69383"),
    ("13055", "13", "13008", "Marseille", "13208"),
    ("2A004", "2A", "20000", "Ajaccio", None),
    ("97411", "974", "97400", "Saint-Denis", None),
]


# --- Database ---------------------------------------------------------------------------------


def django_env(url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.base",
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "testserver",
    }


def migrate(environment: dict):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], env=environment, cwd=PROJECT_DIR, check=True
    )


# --- Fill -------------------------------------------------------------------------------------


def run_step(conn, label: str, sql: str, params=None):
    """Runs one set-based statement and prints how long it took and how many rows it wrote."""
    started = time.perf_counter()
    cursor = conn.execute(sql, params)
    rows = f"{cursor.rowcount:>10,} rows" if cursor.rowcount >= 0 else " " * 15
    print(f"  {label:<24} {rows}  {time.perf_counter() - started:6.1f} s")


def insert_customers(conn, customers: int):
    run_step(
        conn,
        "accounts_user",
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,"
        " is_staff, is_active, date_joined)"
        " SELECT '!', false, 'client' || lpad(g::text, 6, '0'), '', '', '', false, true, now()"
        " FROM generate_series(1, %(customers)s) AS g",
        {"customers": customers},
    )
    run_step(
        conn,
        "lines_billingaccount",
        "INSERT INTO lines_billingaccount (owner_id, reference, label, created_at, owner_since)"
        " SELECT id, 'cl' || substr(username, 7) || '-1', 'Compte principal', now(), now()"
        " FROM accounts_user WHERE username LIKE 'client%'",
    )


def insert_services(conn, size: int):
    """Services g = 1..size, the first hundred in account cl000001-1, the next in cl000002-1..."""
    run_step(
        conn,
        "lines_service",
        "INSERT INTO lines_service (billing_account_id, kind, number, label, state, created_at)"
        " SELECT a.id, CASE WHEN mod(g, 2) = 1 THEN 'line' ELSE 'number' END,"
        " '+339' || lpad(g::text, 8, '0'), 'Ligne ' || g, 'active', now()"
        " FROM generate_series(1, %(size)s) AS g"
        " JOIN lines_billingaccount a"
        " ON a.reference = 'cl' || lpad(((g - 1) / %(per_account)s + 1)::text, 6, '0') || '-1'",
        {"size": size, "per_account": SERVICES_PER_ACCOUNT},
    )


def insert_contact_details(conn):
    """90% of the services (id mod 10 <> 0): 40% individuals, 30% companies, 20% professionals.

    Every customer lives in one of the five places; a company's SIRET is its account's SIREN and
    one of five establishments (NIC), so a SIRET search finds a handful of services.
    """
    run_step(
        conn,
        "lines_contactdetails",
        """
        WITH place (k, commune_id, departement, postcode, city, arrondissement_id) AS (
            SELECT k - 1, commune_id, departement, postcode, city, arrondissement_id FROM unnest(
                %(communes)s::text[], %(departements)s::text[], %(postcodes)s::text[],
                %(cities)s::text[], %(arrondissements)s::text[]
            ) WITH ORDINALITY AS p (commune_id, departement, postcode, city, arrondissement_id, k)
        ),
        names AS (
            SELECT %(last_names)s::text[] AS last_names, %(first_names)s::text[] AS first_names,
                   %(company_names)s::text[] AS company_names, %(company_apes)s::text[] AS company_apes,
                   %(professions)s::text[] AS professions, %(profession_apes)s::text[] AS profession_apes,
                   %(street_types)s::text[] AS street_types, %(street_names)s::text[] AS street_names
        ),
        subscriber AS (
            SELECT s.id, s.billing_account_id,
                   CASE WHEN mod(s.id, 10) BETWEEN 1 AND 4 THEN 'individual'
                        WHEN mod(s.id, 10) BETWEEN 5 AND 7 THEN 'company'
                        ELSE 'professional' END AS legal_form,
                   1 + mod(s.id / 10, cardinality(n.last_names)) AS last_name_index,
                   1 + mod(s.id / 7, cardinality(n.first_names)) AS first_name_index,
                   1 + mod(s.billing_account_id, cardinality(n.company_names)) AS company_index,
                   1 + mod(s.id / 10, cardinality(n.professions)) AS profession_index,
                   mod((s.id - 1) / %(per_account)s, %(places)s) AS place_index
            FROM lines_service s CROSS JOIN names n
            WHERE mod(s.id, 10) <> 0
        )
        INSERT INTO lines_contactdetails (
            service_id, legal_form, last_name, first_name, profession, siret, ape_code, company_name,
            designation_complement, email, street_number, street_number_suffix, street_type, street_name,
            address_complement, postcode, city, commune_id, arrondissement_id, departement, country,
            updated_at
        )
        SELECT
            s.id,
            s.legal_form,
            CASE WHEN s.legal_form = 'individual' THEN n.last_names[s.last_name_index] ELSE '' END,
            CASE WHEN s.legal_form = 'individual' THEN n.first_names[s.first_name_index] ELSE '' END,
            CASE WHEN s.legal_form = 'professional' THEN n.professions[s.profession_index] ELSE '' END,
            CASE WHEN s.legal_form = 'individual' THEN ''
                 ELSE '4' || lpad(s.billing_account_id::text, 8, '0') || lpad((1 + mod(s.id, 5))::text, 5, '0')
            END,
            CASE s.legal_form WHEN 'individual' THEN ''
                 WHEN 'company' THEN n.company_apes[s.company_index]
                 ELSE n.profession_apes[s.profession_index] END,
            CASE s.legal_form WHEN 'individual' THEN ''
                 WHEN 'company' THEN n.company_names[s.company_index]
                 ELSE 'Cabinet ' || n.last_names[s.last_name_index] END,
            '',
            CASE WHEN mod(s.id, 3) = 0 THEN 'client' || s.id || '@example.fr' ELSE '' END,
            1 + mod(s.id, 150),
            CASE WHEN mod(s.id, 17) = 0 THEN 'bis' ELSE '' END,
            n.street_types[1 + mod(s.id / 3, cardinality(n.street_types))],
            n.street_names[1 + mod(s.id / 11, cardinality(n.street_names))],
            CASE WHEN mod(s.id, 13) = 0 THEN 'Bâtiment B' ELSE '' END,
            p.postcode,
            p.city,
            p.commune_id,
            p.arrondissement_id,
            p.departement,
            'FR',
            now()
        FROM subscriber s CROSS JOIN names n JOIN place p ON p.k = s.place_index
        """,
        {
            "communes": [place[0] for place in PLACES],
            "departements": [place[1] for place in PLACES],
            "postcodes": [place[2] for place in PLACES],
            "cities": [place[3] for place in PLACES],
            "arrondissements": [place[4] for place in PLACES],
            "places": len(PLACES),
            "per_account": SERVICES_PER_ACCOUNT,
            "last_names": LAST_NAMES,
            "first_names": FIRST_NAMES,
            "company_names": COMPANY_NAMES,
            "company_apes": COMPANY_APE_CODES,
            "professions": PROFESSIONS,
            "profession_apes": PROFESSION_APE_CODES,
            "street_types": STREET_TYPES,
            "street_names": STREET_NAMES,
        },
    )


def insert_publications(conn):
    """60% of the services (id mod 10 in 1..6, all with contact details): 40% not requested,
    40% synced, 10% scheduled, 10% refused by the directories."""
    run_step(
        conn,
        "directory_publication",
        """
        INSERT INTO directory_publication (
            service_id, listed, marketing_accepted, reverse_search, name_display, address_display,
            line_designation, status, in_directory, revision, scheduled_at, synced_at, error_reason
        )
        SELECT
            id,
            status <> 'none',
            status <> 'none' AND mod(id, 3) = 0,
            status <> 'none' AND mod(id, 2) = 0,
            CASE WHEN mod(id, 4) = 0 THEN 'initial' ELSE 'full' END,
            CASE WHEN mod(id, 5) = 0 THEN 'city' ELSE 'full' END,
            CASE WHEN mod(id, 7) = 0 THEN 'Standard' ELSE '' END,
            status,
            status = 'synced',
            CASE WHEN status = 'none' THEN 0 ELSE 1 END,
            CASE WHEN status = 'scheduled' THEN now() END,
            CASE WHEN status = 'synced' THEN now() - interval '20 days' END,
            CASE WHEN status = 'error'
                 THEN 'Adresse refusée par l''annuaire : voie inconnue dans la commune' ELSE '' END
        FROM (
            SELECT id,
                   CASE WHEN mod(id / 10, 10) < 4 THEN 'none'
                        WHEN mod(id / 10, 10) < 8 THEN 'synced'
                        WHEN mod(id / 10, 10) = 8 THEN 'scheduled'
                        ELSE 'error' END AS status
            FROM lines_service
            WHERE mod(id, 10) BETWEEN 1 AND 6
        ) AS service
        """,
    )


def drop_plain_indexes(conn, tables: list[str]) -> list[str]:
    """Drops the tables' indexes that back no constraint; returns their definitions.

    PostgreSQL's advice for bulk loads: building an index once over the loaded rows is several
    times faster than updating it row by row. Primary keys and unique constraints stay.
    """
    definitions = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public' AND tablename = ANY(%s)"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [tables],
    ).fetchall()
    for name, _definition in definitions:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in definitions]


def recreate_indexes(conn, definitions: list[str]):
    started = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '256MB'")
    for definition in definitions:
        conn.execute(definition)
    label = f"{len(definitions)} indexes rebuilt"
    print(f"  {label:<24} {' ' * 15}  {time.perf_counter() - started:6.1f} s")


def fill(url: str, size: int):
    customers = -(-size // SERVICES_PER_ACCOUNT)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        indexes = drop_plain_indexes(conn, ["lines_service", "lines_contactdetails", "directory_publication"])
        insert_customers(conn, customers)
        insert_services(conn, size)
        insert_contact_details(conn)
        insert_publications(conn)
        recreate_indexes(conn, indexes)
        run_step(conn, "VACUUM ANALYZE", "VACUUM ANALYZE")
    print(f"filled {size:,} services ({customers:,} customers) in {time.perf_counter() - started:.1f} s")


# --- What the pages look for --------------------------------------------------------------------


def pick_targets(url: str) -> dict:
    """An individual with a synced publication, and a company's SIRET, from the middle of the table."""
    with psycopg.connect(url) as conn:
        (middle,) = conn.execute("SELECT max(id) / 2 FROM lines_service").fetchone()
        service_id, number, last_name, owner_id = conn.execute(
            "SELECT s.id, s.number, c.last_name, a.owner_id FROM lines_service s"
            " JOIN lines_contactdetails c ON c.service_id = s.id"
            " JOIN directory_publication p ON p.service_id = s.id"
            " JOIN lines_billingaccount a ON a.id = s.billing_account_id"
            " WHERE c.legal_form = 'individual' AND p.status = 'synced' AND s.id >= %s"
            " ORDER BY s.id LIMIT 1",
            [middle],
        ).fetchone()
        (siret,) = conn.execute(
            "SELECT siret FROM lines_contactdetails WHERE legal_form = 'company' AND service_id >= %s"
            " ORDER BY service_id LIMIT 1",
            [middle],
        ).fetchone()
    return {
        "service_id": service_id,
        "number": number,
        "last_name": last_name,
        "owner_id": owner_id,
        "siret": siret,
    }


def add_history(url: str, target: dict):
    """A few history entries for the service whose change page is opened."""
    entries = [
        ("90 days", target["owner_id"], "panel", {"street_number": [12, 14]}, ""),
        (
            "60 days",
            target["owner_id"],
            "panel",
            {"publication.listed": [False, True], "publication.reverse_search": [False, True]},
            "publish",
        ),
        ("45 days", None, "system", {"publication.status": ["scheduled", "synced"]}, ""),
        ("30 days", None, "import", {"email": ["", "camille@example.fr"]}, ""),
        ("2 days", target["owner_id"], "bulk", {"publication.marketing_accepted": [True, False]}, "update"),
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        for age, actor_id, source, changes, outcome in entries:
            conn.execute(
                "INSERT INTO lines_servicechange (service_id, at, actor_id, source, changes, outcome)"
                " VALUES (%s, now() - %s::interval, %s, %s, %s, %s)",
                [target["service_id"], age, actor_id, source, Jsonb(changes), outcome],
            )
        conn.execute("ANALYZE lines_servicechange")


def create_staff_users(url: str):
    """bench-support in the support group, and a superuser; no password (the client forces login)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for username, superuser in [(SUPPORT_USER, False), (ADMIN_USER, True)]:
            conn.execute(
                "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email,"
                " is_staff, is_active, date_joined) VALUES ('!', %s, %s, 'Bench', '', '', true, true, now())",
                [superuser, username],
            )
        added = conn.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id)"
            " SELECT u.id, g.id FROM accounts_user u, auth_group g"
            " WHERE u.username = %s AND g.name = 'support'",
            [SUPPORT_USER],
        ).rowcount
    if not added:
        print(f"warning: no group 'support' after migrate; {SUPPORT_USER} is staff without permissions")


def national_digits(e164: str) -> str:
    """`+33972102030` -> `0972102030`."""
    return "0" + e164.removeprefix("+33")


def spaced(digits: str) -> str:
    """`0972102030` -> `09 72 10 20 30`."""
    return " ".join(digits[i : i + 2] for i in range(0, len(digits), 2))


def pages(target: dict) -> dict:
    """Page name -> URL, in the order they are measured and shown."""
    changelist = "/admin/lines/service/"
    digits = national_digits(target["number"])
    searches = {
        "search_number_digits": digits,  # 0972102030
        "search_number_spaced": spaced(digits),  # 09 72 10 20 30
        "search_number_e164": target["number"],  # +33972102030
        "search_number_00": "0033 " + digits[1] + " " + spaced(digits[2:]),  # 0033 9 72 10 20 30
        "search_name": target["last_name"],
        "search_siret": target["siret"],
    }
    urls = {"changelist": changelist}
    for name, query in searches.items():
        urls[name] = changelist + "?" + urlencode({"q": query})
    urls["change_page"] = f"{changelist}{target['service_id']}/change/"
    return urls


# --- Measure (child process) -------------------------------------------------------------------


def measure_pages(environment: dict, urls: dict, repeat: int, show_sql: bool) -> dict:
    """Runs the measurements in a child process (settings on the bench database); its results."""
    command = [sys.executable, "-m", "bench.admin", "--child", "--repeat", str(repeat)]
    if show_sql:
        command.append("--show-sql")
    child = subprocess.run(
        command,
        env=environment,
        cwd=PROJECT_DIR,
        input=json.dumps(urls),
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = child.stdout.strip().splitlines()
    if child.returncode != 0 or not lines:
        print(f"the measuring process failed (exit code {child.returncode})")
        return {name: {"status": None, "median_ms": None, "max_ms": None, "queries": None} for name in urls}
    for line in lines[:-1]:  # --show-sql output
        print(line)
    return json.loads(lines[-1])


def measure_one(client, url: str, repeat: int) -> tuple[dict, str]:
    """One warm-up, then `repeat` timed runs; the figures and the slowest SQL of the last run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]), default=None)
    slowest_sql = f"{float(slowest['time']) * 1000:.1f} ms: {slowest['sql'][:400]}" if slowest else "no query"
    figures = {
        "status": response.status_code,
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
        "queries": len(captured.captured_queries),
    }
    return figures, slowest_sql


def run_child(repeat: int, show_sql: bool):
    """In the child process: log bench-support in, measure each page, print the results as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    urls = json.loads(sys.stdin.read())
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=SUPPORT_USER))
    results = {}
    for name, url in urls.items():
        try:
            results[name], slowest_sql = measure_one(client, url, repeat)
        except Exception as error:  # the page could not be measured: say so, go on with the others
            print(f"{name}: {type(error).__name__}: {error}", file=sys.stderr)
            results[name] = {"status": None, "median_ms": None, "max_ms": None, "queries": None}
            slowest_sql = "not measured"
        if show_sql:
            print(f"slowest SQL of {name}: {slowest_sql}")
    print(json.dumps(results))


# --- Report -------------------------------------------------------------------------------------


def print_table(urls: dict, results: dict):
    print(f"{'page':<22} {'status':>6} {'median ms':>10} {'max ms':>9} {'queries':>8}  url")
    for name, url in urls.items():
        figures = results[name]
        shown = {key: "-" if value is None else value for key, value in figures.items()}
        print(
            f"{name:<22} {shown['status']:>6} {shown['median_ms']:>10} {shown['max_ms']:>9}"
            f" {shown['queries']:>8}  {url}"
        )
    failed = [name for name, figures in results.items() if figures["status"] != 200]
    if failed:
        print(f"not 200: {', '.join(failed)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="number of services (at least 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page, after one warm-up")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {BENCH_DB} at the end")
    parser.add_argument("--show-sql", action="store_true", help="print each page's slowest SQL query")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database to connect to for creating the bench database",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child:
        return run_child(args.repeat, args.show_sql)
    if args.size < 1000:
        parser.error("--size must be at least 1000")

    url = database_url(args.database_url, BENCH_DB)
    environment = django_env(url)
    print(f"bench: support admin at {args.size:,} services, {args.repeat} runs per page, database {BENCH_DB}")
    recreate_database(args.database_url, BENCH_DB)
    try:
        migrate(environment)
        fill(url, args.size)
        create_staff_users(url)
        target = pick_targets(url)
        add_history(url, target)
        urls = pages(target)
        results = measure_pages(environment, urls, args.repeat, args.show_sql)
    finally:
        if args.keep:
            print(f"database {BENCH_DB} kept")
        else:
            drop_database(args.database_url, BENCH_DB)
    print_table(urls, results)
    print(json.dumps({"size": args.size, "pages": results}))


if __name__ == "__main__":
    main()
