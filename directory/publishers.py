"""Publishers: where a sync run sends its changes.

A publisher receives a batch as the staged table of directory.staging (one row per record:
action add / update / withdraw, the listing, and `problem`, the reason it is refused, NULL when
accepted). It may refuse more records by setting `problem` in `reject`, then sends the accepted
ones set-based in `publish`. The records' results are read from that table afterwards.

Contract for every publisher:
- `reject` and `publish` run inside the batch's database transaction: if the batch fails, nothing
  of it counts as sent, and a later run sends it again. What a publisher writes outside the
  database (files) is therefore only released by `finish`, for the batches that committed.
- an `update` may reach a publisher that no longer holds the entry: it is an upsert; a
  `withdraw` of an entry it does not hold is accepted.
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

from .listing import search_key
from .models import Listing
from .staging import EXPORT_COLUMNS, TABLE, export_rows_sql

EXPORT_FORMAT = "telecom-panel-directory-export/1"
ACCEPTED = f"{TABLE}.problem IS NULL"
SEARCH_KEYS = "sync_staged_search_keys"


class AnnuairePublisher:
    """The operator's own public directory (/annuaire/): the `Listing` table, same database."""

    name = "annuaire"
    label = _("Annuaire de l'opérateur")

    def reject(self, cursor, *, run_id: int, batch_number: int):
        """Nothing beyond the common checks of the staged batch."""

    def publish(self, cursor, *, run_id: int, batch_number: int, now):
        listing = Listing._meta.db_table
        self._stage_search_keys(cursor)
        cursor.execute(
            f"DELETE FROM {listing} WHERE service_id IN "
            f"(SELECT service_id FROM {TABLE} WHERE action = 'withdraw' AND {ACCEPTED})"
        )
        # A number that moved to another service must not collide with its old entry.
        cursor.execute(
            f"DELETE FROM {listing} WHERE number IN (SELECT number FROM {TABLE} WHERE action <> 'withdraw') "
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
            f"WHERE s.action <> 'withdraw' AND s.problem IS NULL "
            f"ON CONFLICT (service_id) DO UPDATE SET {updates}",
            [now],
        )
        cursor.execute(f"DROP TABLE {SEARCH_KEYS}")

    @staticmethod
    def _stage_search_keys(cursor):
        """The names as searched (search_key), computed here in Python, the one implementation,
        and loaded into a temporary table beside the staged batch."""
        cursor.execute(f"SELECT service_id, name FROM {TABLE} WHERE action <> 'withdraw' AND problem IS NULL")
        keys = [(service_id, search_key(name)) for service_id, name in cursor.fetchall()]
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

    def finish(self, *, run_id: int, batch_numbers: list[int], now) -> list[str]:
        return []


class FilePublisher:
    """The export for an external directory editor: one UTF-8 CSV file per run and its manifest.

    Each batch writes its part (`.run-<id>/batch-<n>.csv`) before its transaction commits;
    `finish` joins the parts of the committed batches, in order, under a header line, into
    `annuaire-<date>-run<id>.csv`, then writes `<that name>.manifest.json` (row count, SHA-256),
    each through a temporary file and an atomic rename: a reader that sees the manifest sees the
    whole file. Unlisted subscribers never appear: a withdrawal names only the listing id.
    """

    name = "file"
    label = _("Fichier pour éditeur d'annuaire")

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or settings.DIRECTORY_EXPORT_DIR)

    def _parts(self, run_id: int) -> Path:
        return self.folder / f".run-{run_id}"

    def reject(self, cursor, *, run_id: int, batch_number: int):
        """Nothing beyond the common checks of the staged batch."""

    def publish(self, cursor, *, run_id: int, batch_number: int, now):
        parts = self._parts(run_id)
        parts.mkdir(parents=True, exist_ok=True)
        part = parts / f"batch-{batch_number:06d}.csv"
        temporary = part.with_suffix(".tmp")
        with open(temporary, "wb") as f:
            if connection.vendor == "postgresql":
                # The database writes the CSV itself and COPY streams it: no per-row work here.
                with cursor.cursor.copy(f"COPY ({export_rows_sql()}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for block in copy:
                        f.write(block)
            else:
                cursor.execute(export_rows_sql())
                text = io.TextIOWrapper(f, encoding="utf-8", newline="")
                writer = csv.writer(text, lineterminator="\n")
                while rows := cursor.fetchmany(2000):
                    writer.writerows(rows)
                text.flush()
                text.detach()
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, part)  # a retried batch simply replaces its part

    def finish(self, *, run_id: int, batch_numbers: list[int], now) -> list[str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        parts = self._parts(run_id)
        name = f"annuaire-{timezone.localtime(now):%Y%m%d}-run{run_id}.csv"
        temporary = self.folder / f".{name}.tmp"
        digest, rows = hashlib.sha256(), 0
        header = (",".join(EXPORT_COLUMNS) + "\n").encode()
        with open(temporary, "wb") as out:
            digest.update(header)
            out.write(header)
            for number in sorted(batch_numbers):
                part = parts / f"batch-{number:06d}.csv"
                if not part.exists():
                    continue
                with open(part, "rb") as f:
                    while chunk := f.read(1 << 20):
                        digest.update(chunk)
                        rows += chunk.count(b"\n")  # fields never hold a line break (validated input)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.folder / name)
        manifest = {
            "format": EXPORT_FORMAT,
            "file": name,
            "rows": rows,
            "sha256": digest.hexdigest(),
            "run": run_id,
            "created_at": now.isoformat(),
        }
        manifest_name = f"{name}.manifest.json"
        temporary = self.folder / f".{manifest_name}.tmp"
        temporary.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, self.folder / manifest_name)
        shutil.rmtree(parts, ignore_errors=True)
        return [name, manifest_name]


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
