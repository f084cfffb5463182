"""Publishers: where a sync run sends its changes.

A publisher receives a batch as the staged table of directory.staging (one row per record:
action add / update / withdraw, the listing, and `problem`, the reason it is refused, NULL when
accepted). It may refuse more records by setting `problem` in `reject`, then sends the batch
set-based in `publish`. The records' results are read from that table afterwards.

Contract for every publisher:
- `reject` and `publish` run inside the batch's database transaction: if the batch fails, nothing
  of it counts as sent, and a later run sends it again. What a publisher writes outside the
  database (files) is registered in that transaction (ExportPart) and only released by `finish`,
  which joins exactly the registered parts.
- it ends up holding exactly the accepted listings: an accepted record is added or replaced (an
  upsert), a withdrawn *or refused* one is removed (a withdrawal of an entry it does not hold
  is harmless).
- `held_sql()` says what it holds now, as (service_id, digest) rows: directory.drift compares
  that with what the subscribers chose.
- `finish` is idempotent and never overwrites a file it has released.
"""

import csv
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from telecom_panel.csv_safety import csv_writer, open_private

from .listing import listing_for, name_search_key
from .models import Delivery, ExportPart, Listing, SyncRun
from .staging import EXPORT_COLUMNS, TABLE, digest_sql, export_rows_sql, sent_sql, staged_range

EXPORT_FORMAT = "telecom-panel-directory-export/1"
SENT = sent_sql()
SEARCH_KEYS = "sync_staged_search_keys"


class AnnuairePublisher:
    """The operator's own public directory (/annuaire/): the `Listing` table, same database."""

    name = "annuaire"
    label = _("Annuaire de l'opérateur")

    def reject(self, cursor, *, run_id: int, part: str):
        """Nothing beyond the common checks of the staged batch."""

    def publish(self, cursor, *, run_id: int, part: str, now):
        listing = Listing._meta.db_table
        self._stage_search_keys(cursor)
        cursor.execute(
            f"DELETE FROM {listing} WHERE service_id IN (SELECT service_id FROM {TABLE} WHERE NOT ({SENT}))"
        )
        # A number that moved to another service must not collide with its old entry.
        cursor.execute(
            f"DELETE FROM {listing} WHERE number IN (SELECT number FROM {TABLE} WHERE {SENT}) "
            f"AND service_id NOT IN (SELECT service_id FROM {TABLE})"
        )
        columns = (
            "number", "national_number", "name", "activity", "line_designation", "street", "postcode",
            "city", "city_search", "departement", "marketing_accepted", "reverse_search",
        )  # fmt: skip
        updates = ", ".join(
            f"{column} = excluded.{column}" for column in (*columns, "name_search", "published_at")
        )
        cursor.execute(
            f"INSERT INTO {listing} (service_id, {', '.join(columns)}, name_search, published_at) "
            f"SELECT s.service_id, {', '.join('s.' + column for column in columns)}, k.name_search, %s "
            f"FROM {TABLE} s JOIN {SEARCH_KEYS} k ON k.service_id = s.service_id "
            f"ON CONFLICT (service_id) DO UPDATE SET {updates}",
            [now],
        )
        cursor.execute(f"DROP TABLE {SEARCH_KEYS}")

    @staticmethod
    def _stage_search_keys(cursor):
        """The names as searched (name_search_key), computed here in Python, the one
        implementation, and loaded into a temporary table beside the staged batch."""
        cursor.execute(f"SELECT service_id, name FROM {TABLE} WHERE {SENT}")
        keys = [(service_id, name_search_key(name)) for service_id, name in cursor.fetchall()]
        cursor.execute(f"DROP TABLE IF EXISTS {SEARCH_KEYS}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {SEARCH_KEYS} (service_id BIGINT PRIMARY KEY, name_search TEXT)"
        )
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {SEARCH_KEYS} (service_id, name_search) FROM STDIN") as copy:
                for row in keys:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {SEARCH_KEYS} VALUES (%s, %s)", keys)

    def held_sql(self) -> str:
        return (
            f"SELECT l.service_id AS service_id, {digest_sql('l')} AS digest FROM {Listing._meta.db_table} l"
        )

    def finish(self, *, run: SyncRun, now) -> list[str]:
        return []

    def cleanup(self, *, run_id: int):
        """Nothing is kept outside the database."""

    def withdraw(self, service_ids, *, run_id: int, part: str, now):
        """Take these entries out (records refused one by one, directory.sync._refuse)."""
        Listing.objects.filter(service_id__in=list(service_ids)).delete()

    def apply_opt_outs(self, service_ids):
        """Make the public directory show, at once, no more than each subscriber now allows:
        called in the transaction that records a customer's choice (and by a batch for records
        edited while it ran). It only ever takes away: the entry of a service no longer listed,
        the street of a city-only listing, the first name of an initial-only one, the reverse
        search and telemarketing consents refused. Additions and other changes wait for the sync.
        """
        listings = Listing.objects.select_for_update(of=("self",)).filter(service_id__in=list(service_ids))
        for row in listings.select_related("service__publication", "service__contact_details"):
            service = row.service
            publication = getattr(service, "publication", None)
            wanted = listing_for(service.details_or_none, publication) if publication else None
            if wanted is None:
                row.delete()
                continue
            before = (row.street, row.postcode, row.name, row.reverse_search, row.marketing_accepted)
            if not wanted.street and not wanted.postcode:
                row.street = row.postcode = ""
            if publication.name_display == publication.NameDisplay.INITIAL and row.name != wanted.name:
                row.name, row.name_search = wanted.name, name_search_key(wanted.name)
            row.reverse_search = row.reverse_search and wanted.reverse_search
            row.marketing_accepted = row.marketing_accepted and wanted.marketing_accepted
            if (row.street, row.postcode, row.name, row.reverse_search, row.marketing_accepted) != before:
                row.save(update_fields=["street", "postcode", "name", "name_search", "reverse_search",
                                        "marketing_accepted"])  # fmt: skip


class FilePublisher:
    """The export for an external directory editor: one UTF-8 CSV file per run and its manifest.

    Each transaction that sends records writes its part (`.run-<id>/<part>.csv`) and registers it
    (ExportPart) with what it sent (Delivery) before it commits; `finish` joins the registered
    parts, in order, under a header line, into `annuaire-<date>-run<id>.csv`, then writes
    `<that name>.manifest.json` (row count, SHA-256), each through a temporary file and an atomic
    link that never replaces an existing file: a reader that sees the manifest sees the whole
    file, and a run closed twice keeps its first export. Unlisted subscribers never appear: a
    withdrawal names only the listing id.

    Every file (part, export, manifest, and their temporary files) is created 0600, readable by
    its owner only (telecom_panel.csv_safety.open_private), and every listing cell is neutralised
    against spreadsheet formulas by the rows' SQL (directory.staging.export_rows_sql).
    """

    name = "file"
    label = _("Fichier pour éditeur d'annuaire")

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or settings.DIRECTORY_EXPORT_DIR)

    def _parts(self, run_id: int) -> Path:
        return self.folder / f".run-{run_id}"

    def reject(self, cursor, *, run_id: int, part: str):
        """Nothing beyond the common checks of the staged batch."""

    def publish(self, cursor, *, run_id: int, part: str, now):
        parts = self._parts(run_id)
        parts.mkdir(parents=True, exist_ok=True)
        path = parts / f"{part}.csv"
        temporary = path.with_suffix(".tmp")
        with open_private(temporary, "wb") as f:
            if connection.vendor == "postgresql":
                # The database writes the CSV itself and COPY streams it: no per-row work here.
                sql = f"COPY ({export_rows_sql(self.name)}) TO STDOUT WITH (FORMAT csv)"
                with cursor.cursor.copy(sql) as copy:
                    for block in copy:
                        f.write(block)
            else:
                cursor.execute(export_rows_sql(self.name))
                text = io.TextIOWrapper(f, encoding="utf-8", newline="")
                writer = csv_writer(text)  # quotes a CR as COPY does; the SQL has neutralised the cells
                while rows := cursor.fetchmany(2000):
                    writer.writerows(rows)
                text.flush()
                text.detach()
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        # What this part sends, recorded with it: a digest per listing, NULL for a withdrawal.
        delivery = Delivery._meta.db_table
        cursor.execute(
            f"INSERT INTO {delivery} (publisher, service_id, digest, run_id, sent_at) "
            f"SELECT %s, service_id, digest, %s, %s FROM {TABLE} WHERE {SENT} "
            "ON CONFLICT (publisher, service_id) DO UPDATE SET digest = excluded.digest, "
            "run_id = excluded.run_id, sent_at = excluded.sent_at",
            [self.name, run_id, now],
        )
        cursor.execute(
            f"UPDATE {delivery} SET digest = NULL, run_id = %s, sent_at = %s FROM {TABLE} "
            f"WHERE {delivery}.publisher = %s AND {delivery}.service_id = {TABLE}.service_id AND NOT ({SENT}) "
            f"AND {staged_range(delivery + '.service_id')}",
            [run_id, now, self.name],
        )
        ExportPart.objects.create(run_id=run_id, publisher=self.name, name=path.name)

    def withdraw(self, service_ids, *, run_id: int, part: str, now):
        """Withdrawal rows for these records (refused one by one, directory.sync._refuse), as a
        part of the run's file, recorded like any other part."""
        parts = self._parts(run_id)
        parts.mkdir(parents=True, exist_ok=True)
        path = parts / f"{part}.csv"
        with open_private(path.with_suffix(".tmp"), "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            for service_id in sorted(service_ids):
                writer.writerow(["withdraw", str(service_id), *[""] * (len(EXPORT_COLUMNS) - 2)])
            f.flush()
            os.fsync(f.fileno())
        os.replace(path.with_suffix(".tmp"), path)
        for service_id in service_ids:
            Delivery.objects.update_or_create(
                publisher=self.name,
                service_id=service_id,
                defaults={"digest": None, "run_id": run_id, "sent_at": now},
            )
        ExportPart.objects.create(run_id=run_id, publisher=self.name, name=path.name)

    def held_sql(self) -> str:
        """What the editor holds: the listings sent by runs whose export was released. Anything
        sent by a run whose export was not released may or may not have arrived: its digest is
        'unknown', which matches nothing, so the reconciliation sends it again."""
        return (
            f"SELECT d.service_id AS service_id, "
            f"CASE WHEN d.run_id IS NULL OR r.export_released_at IS NOT NULL THEN d.digest ELSE 'unknown' END AS digest "
            f"FROM {Delivery._meta.db_table} d LEFT JOIN {SyncRun._meta.db_table} r ON r.id = d.run_id "
            f"WHERE d.publisher = '{self.name}' "
            f"AND (d.digest IS NOT NULL OR (d.run_id IS NOT NULL AND r.export_released_at IS NULL))"
        )

    def export_name(self, run: SyncRun) -> str:
        return f"annuaire-{timezone.localtime(run.started_at):%Y%m%d}-run{run.pk}.csv"

    def finish(self, *, run: SyncRun, now) -> list[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = self.export_name(run)
        manifest_name = f"{name}.manifest.json"
        export, manifest = self.folder / name, self.folder / manifest_name
        if not export.exists():
            header = (",".join(EXPORT_COLUMNS) + "\n").encode()
            parts = ExportPart.objects.filter(run=run, publisher=self.name).order_by("pk")
            temporary = self.folder / f".{name}.tmp"
            with open_private(temporary, "wb") as out:
                out.write(header)
                for part in parts.values_list("name", flat=True):
                    with open(self._parts(run.pk) / part, "rb") as f:
                        shutil.copyfileobj(f, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            _link_once(temporary, export)
        if not manifest.exists():
            digest, rows = hashlib.sha256(), -1  # the header line is not a row
            with open(export, "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    rows += chunk.count(b"\n")  # fields never hold a line break (validated input)
            content = {
                "format": EXPORT_FORMAT,
                "file": name,
                "rows": rows,
                "sha256": digest.hexdigest(),
                "run": run.pk,
                "created_at": now.isoformat(),
            }
            temporary = self.folder / f".{manifest_name}.tmp"
            with open_private(temporary, "w", encoding="utf-8") as f:
                f.write(json.dumps(content, indent=2) + "\n")
            _link_once(temporary, manifest)
        return [name, manifest_name]

    def cleanup(self, *, run_id: int):
        """The parts of a closed run: released in its file, or never to be (the next run resends)."""
        shutil.rmtree(self._parts(run_id), ignore_errors=True)


def _link_once(temporary: Path, final: Path):
    """Give `temporary` its final name atomically, never replacing a file already there."""
    try:
        os.link(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


PUBLISHERS = {publisher.name: publisher for publisher in (AnnuairePublisher, FilePublisher)}


def configured_publishers(names: list[str] | None = None) -> list:
    """Instances of the publishers named (default: settings.DIRECTORY_PUBLISHERS), in order."""
    names = names or settings.DIRECTORY_PUBLISHERS
    unknown = [name for name in names if name not in PUBLISHERS]
    if unknown:
        raise ValueError(
            f"unknown directory publisher(s): {', '.join(unknown)}; known: {', '.join(PUBLISHERS)}"
        )
    return [PUBLISHERS[name]() for name in names]
