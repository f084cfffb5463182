"""Benchmark of the directory sync against the database's own floor for the same work (PostgreSQL).

    python -m bench.sync --size 100000 [--batch-size 5000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]

1. Creates a fresh database `telecom_panel_bench`, migrates it, and builds N scheduled listed
   services with generate_series (set-based SQL, seconds even at a million).
2. Floor: what the database needs at least for the same work, in SQL: one `COPY (SELECT the
   listing rows) TO STDOUT` plus one set-based `UPDATE` of the statuses.
3. Resets the statuses, vacuums, then runs the real sync (`directory_sync_run`, inline) in a
   child process whose peak resident memory is measured, twice:
   - with the `file` publisher only: the same work as the floor (listing rows out, statuses
     flipped), which the JSON keys `sync_records_per_s` and `sync_ratio_to_floor` report;
   - with every publisher (`annuaire,file`, the default): the same plus writing the public
     directory's searchable table and its indexes (`sync_all_publishers_*` keys).
Prints records/s, ratios and peak memory; the last line is one JSON object.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import psycopg

BENCH_DB = "telecom_panel_bench"

LISTING_ROWS = """
    SELECT s.number, c.legal_form, c.last_name, c.first_name, c.company_name, c.designation_complement,
           c.profession, c.street_number, c.street_number_suffix, c.street_type, c.street_name,
           c.address_complement, c.postcode, c.city, c.departement, p.marketing_accepted, p.reverse_search,
           p.name_display, p.address_display, p.line_designation
    FROM directory_publication p
    JOIN lines_service s ON s.id = p.service_id
    JOIN lines_contactdetails c ON c.service_id = p.service_id
    WHERE p.status = 'scheduled'
"""


def database_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str = BENCH_DB):
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def recreate_database(admin_url: str, name: str = BENCH_DB):
    """A fresh, empty database `name` (each benchmark has its own), through `admin_url`."""
    drop_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")


def django_env(url: str, export_dir: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.base",
        "DATABASE_URL": url,
        "DIRECTORY_EXPORT_DIR": export_dir,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
    }


def build_services(url: str, size: int):
    with psycopg.connect(url, autocommit=True) as conn:
        (user_id,) = conn.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES ('!', false, 'bench', '', '', '', false, true, now()) RETURNING id"
        ).fetchone()
        (account_id,) = conn.execute(
            "INSERT INTO lines_billingaccount (owner_id, reference, label, created_at, owner_since)"
            " VALUES (%s, 'be00001-1', 'bench', now(), now()) RETURNING id",
            [user_id],
        ).fetchone()
        conn.execute(
            "INSERT INTO lines_service (billing_account_id, kind, number, label, state, created_at)"
            " SELECT %s, 'number', '+331' || lpad(g::text, 8, '0'), '', 'active', now()"
            " FROM generate_series(1, %s) AS g",
            [account_id, size],
        )
        conn.execute(
            "INSERT INTO lines_contactdetails (service_id, legal_form, last_name, first_name, profession, siret,"
            " ape_code, company_name, designation_complement, email, street_number, street_number_suffix,"
            " street_type, street_name, address_complement, postcode, city, commune_id, arrondissement_id,"
            " departement, country, updated_at)"
            " SELECT id, 'individual', 'Abonné' || id, 'Camille', '', '', '', '', '', '', 1 + id % 200, '',"
            " 'rue', 'de la Roquette', '', '75011', 'Paris', '75056', '75111', '75', 'FR', now()"
            " FROM lines_service"
        )
        conn.execute(
            "INSERT INTO directory_publication (service_id, listed, marketing_accepted, reverse_search, name_display,"
            " address_display, line_designation, status, in_directory, revision, scheduled_at, error_reason)"
            " SELECT id, true, id % 3 = 0, id % 2 = 0, CASE WHEN id % 4 = 0 THEN 'initial' ELSE 'full' END,"
            " CASE WHEN id % 5 = 0 THEN 'city' ELSE 'full' END, '', 'scheduled', false, 1, now(), ''"
            " FROM lines_service"
        )
        conn.execute("VACUUM ANALYZE")


def measure_floor(url: str, size: int) -> float:
    """COPY the listing rows out, then flip every status in one UPDATE: the database's floor."""
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(f"COPY ({LISTING_ROWS}) TO STDOUT") as copy:
            rows = sum(1 for _ in copy.rows())
        conn.execute(
            "UPDATE directory_publication SET status = 'synced', in_directory = listed, synced_at = now(),"
            " error_reason = '' WHERE status = 'scheduled'"
        )
        conn.commit()
        elapsed = time.perf_counter() - started
    assert rows == size, (rows, size)
    reset(url)
    return elapsed


def reset(url: str):
    """Every service scheduled again, nothing published, no run recorded; tables vacuumed."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE directory_publication SET status = 'scheduled', in_directory = false, synced_at = NULL"
        )
        conn.execute("DELETE FROM notifications_customeremail")
        for table in (
            "listing",
            "delivery",
            "exportpart",
            "directorycheck",
            "syncoutcome",
            "syncbatch",
            "syncrun",
        ):
            conn.execute(f"DELETE FROM directory_{table}")
        conn.execute("VACUUM ANALYZE")


def measure_sync(environment: dict, size: int, batch_size: int, publishers: str) -> dict:
    """The real sync in a child process; its elapsed time and peak resident memory."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.sync", "--child", "--batch-size", str(batch_size)],
        env={**environment, "DIRECTORY_PUBLISHERS": publishers},
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    assert figures["status"] == "succeeded" and figures["added"] == size, figures
    return {
        "rate": size / figures["elapsed"],
        "elapsed": figures["elapsed"],
        "peak_mb": figures["peak_rss_kb"] / 1024,
    }


def run_sync_child(batch_size: int):
    """In the child process: the real sync, inline; prints its own figures as JSON."""
    import django

    django.setup()
    from directory.models import SyncRun
    from directory.sync import directory_sync_run

    started = time.perf_counter()
    run = directory_sync_run(trigger=SyncRun.Trigger.COMMAND, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"elapsed": elapsed, "status": run.status, "added": run.added, "peak_rss_kb": peak_kb}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=20000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL database to connect to for creating the bench database",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_sync_child(args.batch_size)

    url = database_url(args.database_url, BENCH_DB)
    export_dir = tempfile.mkdtemp(prefix="bench-exports-")
    environment = django_env(url, export_dir)
    print(f"bench: {args.size:,} scheduled services, batches of {args.batch_size:,}, database {BENCH_DB}")
    recreate_database(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=environment, check=True)
    started = time.perf_counter()
    build_services(url, args.size)
    print(f"built {args.size:,} services in {time.perf_counter() - started:.1f} s")

    floor = measure_floor(url, args.size)
    floor_rate = args.size / floor
    print(f"floor (COPY TO + one UPDATE):     {floor:8.2f} s  {floor_rate:12,.0f} records/s")

    same_work = measure_sync(environment, args.size, args.batch_size, "file")
    print(
        f"sync, file publisher (same work): {same_work['elapsed']:8.2f} s  {same_work['rate']:12,.0f} records/s"
    )
    reset(url)
    everything = measure_sync(environment, args.size, args.batch_size, "annuaire,file")
    print(
        f"sync, annuaire + file:            {everything['elapsed']:8.2f} s  {everything['rate']:12,.0f} records/s"
    )
    print(
        f"ratio to floor: {same_work['rate'] / floor_rate:.2f} (same work), "
        f"{everything['rate'] / floor_rate:.2f} (all publishers); "
        f"peak RSS {same_work['peak_mb']:.0f} MB / {everything['peak_mb']:.0f} MB"
    )
    print(
        json.dumps(
            {
                "size": args.size,
                "sync_records_per_s": round(same_work["rate"], 1),
                "sync_floor_records_per_s": round(floor_rate, 1),
                "sync_ratio_to_floor": round(same_work["rate"] / floor_rate, 3),
                "sync_peak_rss_mb": round(max(same_work["peak_mb"], everything["peak_mb"]), 1),
                "sync_all_publishers_records_per_s": round(everything["rate"], 1),
                "sync_all_publishers_ratio_to_floor": round(everything["rate"] / floor_rate, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
