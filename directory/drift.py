"""Does every publisher hold exactly what the subscribers chose? The invariant, checked and repaired.

The invariant: for every configured publisher, the listings it holds are exactly those of the
services whose publication is listed and synced (accepted), each with its current content, and
nothing else; and a publisher never holds a listing of a service whose `in_directory` is false
(a Non would then blank the status without a withdrawal). Scheduled records are on their way and
only have to respect one rule meanwhile: our own directory never shows more of a subscriber than
they allow now (opt-outs are immediate, directory.publishers.AnnuairePublisher.apply_opt_outs).

What a publisher holds comes from its `held_sql()`: the `Listing` table itself for our own
directory, the delivery record for the file export. Everything is compared set-based, as
digests of the listing columns (directory.staging.digest_sql), so a check of a million services
is a few joins. Differences, by publisher and kind:
- missing: listed and synced, but not held;
- stale: held with another content than the current one;
- orphan: held, though the service is not listed (blank status), refused (error), or gone;
- untracked: held while its publication says nothing may be held;
- exposed (our own directory): shows more than the subscriber allows now.

`check_directory` reports them; every full run repairs them first (`directory_reconcile`): each
service concerned is scheduled again, marked as possibly held, and goes out with the run.
"""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lines.models import Service

from .models import DirectoryCheck, Listing, Publication, SyncOutcome
from .publishers import PUBLISHERS, configured_publishers
from .staging import stage_every_listing

CATEGORIES = ("missing", "stale", "orphan", "untracked", "exposed")
CURRENT = "drift_current_listing"
FOUND = "drift_found"


@dataclass
class Drift:
    counts: dict = field(default_factory=dict)  # {publisher: {category: count}}
    ids: dict = field(default_factory=dict)  # {(publisher, category): [service_id, ...]}, when asked

    @property
    def total(self) -> int:
        return sum(sum(by_category.values()) for by_category in self.counts.values())


def _find(cursor, publisher_names) -> None:
    """Fill the temporary table FOUND (publisher, category, service_id) with every difference:
    one full join of the current listings with what each publisher holds."""
    stage_every_listing(cursor, CURRENT)
    cursor.execute(f"DROP TABLE IF EXISTS {FOUND}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {FOUND} (publisher VARCHAR(20), category VARCHAR(10), service_id BIGINT)"
    )
    for publisher in configured_publishers(publisher_names):
        cursor.execute(
            f"INSERT INTO {FOUND} (publisher, category, service_id) "
            f"SELECT '{publisher.name}', category, service_id FROM ("
            "SELECT COALESCE(c.service_id, h.service_id) AS service_id, CASE "
            "WHEN c.status = 'synced' AND h.service_id IS NULL THEN 'missing' "
            "WHEN c.status = 'synced' AND COALESCE(h.digest, '') <> COALESCE(c.digest, '') THEN 'stale' "
            "WHEN h.service_id IS NOT NULL AND (c.service_id IS NULL OR c.status IN ('none', 'error')) "
            "THEN 'orphan' "
            "WHEN h.service_id IS NOT NULL AND c.status = 'scheduled' AND NOT c.in_directory THEN 'untracked' "
            f"END AS category FROM {CURRENT} c FULL JOIN ({publisher.held_sql()}) h "
            "ON h.service_id = c.service_id) differences WHERE category IS NOT NULL"
        )
        if publisher.name == "annuaire":
            cursor.execute(
                f"INSERT INTO {FOUND} (publisher, category, service_id) "
                f"SELECT 'annuaire', 'exposed', l.service_id FROM {Listing._meta.db_table} l "
                f"JOIN {CURRENT} c ON c.service_id = l.service_id "
                "WHERE NOT c.listed OR c.legal_form IS NULL "
                "OR (l.reverse_search AND NOT c.reverse_search) "
                "OR (l.marketing_accepted AND NOT c.marketing_accepted) "
                "OR (c.postcode = '' AND (l.street <> '' OR l.postcode <> '')) "
                "OR (c.legal_form = 'individual' AND c.name_display = 'initial' AND l.name <> c.name)"
            )


def _read(cursor, publisher_names, *, with_ids: bool) -> Drift:
    drift = Drift(counts={name: dict.fromkeys(CATEGORIES, 0) for name in publisher_names})
    for name in publisher_names:
        if name != "annuaire":
            del drift.counts[name]["exposed"]
    cursor.execute(f"SELECT publisher, category, count(*) FROM {FOUND} GROUP BY publisher, category")
    for publisher, category, count in cursor.fetchall():
        drift.counts[publisher][category] = count
    if with_ids:
        cursor.execute(
            f"SELECT publisher, category, service_id FROM {FOUND} ORDER BY publisher, category, service_id"
        )
        for publisher, category, service_id in cursor.fetchall():
            drift.ids.setdefault((publisher, category), []).append(service_id)
    return drift


def _record(drift: Drift, *, run=None, started: float, now) -> DirectoryCheck:
    return DirectoryCheck.objects.create(
        at=now,
        run=run,
        differences=drift.total,
        counts=drift.counts,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def directory_check(*, with_ids: bool = False, now=None) -> tuple[Drift, DirectoryCheck]:
    """Compare every configured publisher with the subscribers' choices; change nothing but the
    record of the check itself (shown in the admin)."""
    started, now = time.monotonic(), now or timezone.now()
    names = list(settings.DIRECTORY_PUBLISHERS)
    with transaction.atomic(), connection.cursor() as cursor:
        _find(cursor, names)
        drift = _read(cursor, names, with_ids=with_ids)
        transaction.set_rollback(True)  # its temporary tables go with it: nothing else was written
    return drift, _record(drift, started=started, now=now)


def directory_reconcile(*, run, now) -> int:
    """Repair every difference before a full run plans its batches: each service concerned is
    scheduled again and marked as possibly held, so the run sends its listing or its withdrawal
    (a withdrawal of what a publisher does not hold is harmless). What our own directory shows
    beyond a subscriber's choice is taken away at once. Returns how many services were repaired."""
    started = time.monotonic()
    names = list(run.publishers)
    publication = Publication._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        _find(cursor, names)
        drift = _read(cursor, names, with_ids=False)
        if drift.total:
            # Publications first, then the directory's rows: the order in which an edit locks them.
            cursor.execute(
                f"UPDATE {publication} SET status = 'scheduled', in_directory = TRUE, revision = revision + 1, "
                f"scheduled_at = %s, error_reason = '' WHERE service_id IN (SELECT service_id FROM {FOUND})",
                [now],
            )
            # A service held somewhere but without a publication gets one, scheduling its withdrawal.
            cursor.execute(
                f"INSERT INTO {publication} (service_id, listed, marketing_accepted, reverse_search, "
                "name_display, address_display, line_designation, status, in_directory, revision, "
                "scheduled_at, error_reason) "
                f"SELECT DISTINCT f.service_id, FALSE, FALSE, FALSE, 'full', 'full', '', 'scheduled', TRUE, 1, %s, '' "
                f"FROM {FOUND} f JOIN {Service._meta.db_table} s ON s.id = f.service_id "
                f"WHERE NOT EXISTS (SELECT 1 FROM {publication} p WHERE p.service_id = f.service_id)",
                [now],
            )
            # Marked as repairs at the revision scheduled here, so that the customers' reports leave
            # them out unless the customer changes them before they go (directory.sync).
            cursor.execute(
                f"INSERT INTO {SyncOutcome._meta.db_table} (run_id, service_id, kind, reason, revision) "
                f"SELECT %s, p.service_id, 'repaired', '', p.revision FROM {publication} p "
                f"WHERE p.service_id IN (SELECT service_id FROM {FOUND}) "
                "ON CONFLICT (run_id, service_id) DO NOTHING",
                [run.pk],
            )
            if "annuaire" in names:
                cursor.execute(f"SELECT DISTINCT service_id FROM {FOUND} WHERE category = 'exposed'")
                PUBLISHERS["annuaire"]().apply_opt_outs([service_id for (service_id,) in cursor.fetchall()])
                # Entries of services that no longer exist: nobody to schedule, removed here.
                listing = Listing._meta.db_table
                cursor.execute(
                    f"DELETE FROM {listing} WHERE service_id IN "
                    f"(SELECT service_id FROM {FOUND} WHERE publisher = 'annuaire') "
                    f"AND NOT EXISTS (SELECT 1 FROM {Service._meta.db_table} s WHERE s.id = {listing}.service_id)"
                )
        cursor.execute(f"SELECT count(DISTINCT service_id) FROM {FOUND}")
        (repaired,) = cursor.fetchone()
        for table in (FOUND, CURRENT):
            cursor.execute(f"DROP TABLE {table}")
    _record(drift, run=run, started=started, now=now)
    return repaired
