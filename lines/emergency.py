"""Emergency location: the routing key of each active service for the operator's call routing.

Emergency calls (15, 17, 18, 112, 114...) are routed by the installation address of the line: its
commune (INSEE code) and département. The routing plans themselves are confidential; we provide
the key. Directory display options never touch this address: it is always sent whole.

Both files are created 0600 (readable by their owner only) and every cell is neutralised against
spreadsheet formulas (telecom_panel.csv_safety: `'` before a cell beginning with `=`, `+`, `-`,
`@`, TAB or CR; the E.164 number, a signed run of digits, is written as it is).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db.models import Q

from telecom_panel.csv_safety import csv_writer, neutralised_row, open_private

from .models import ContactDetails, Service

COLUMNS = ("action", "number", "insee_code", "departement", "arrondissement_insee", "street", "complement",
           "postcode", "city", "country", "updated_at")  # fmt: skip
UNRESOLVED_COLUMNS = ("number", "kind", "billing_account", "customer", "since")


@dataclass(frozen=True)
class EmergencyExport:
    locations: Path
    unresolved: Path
    rows: int
    unresolved_rows: int


def location_of(details: ContactDetails) -> dict:
    """One service's emergency location, unredacted, whatever its directory options."""
    return {
        "number": str(details.service.number),
        "insee_code": details.commune_id,
        "departement": details.departement,
        "arrondissement_insee": details.arrondissement_id or "",
        "street": details.street_line,
        "complement": details.address_complement,
        "postcode": details.postcode,
        "city": details.city,
        "country": details.country,
        "updated_at": details.updated_at.isoformat(),
    }


def _location_rows(since: datetime | None) -> Iterator[dict]:
    details = ContactDetails.objects.filter(service__state=Service.State.ACTIVE).select_related("service")
    if since is not None:
        # A location changed, or a service opened, since then.
        details = details.filter(Q(updated_at__gte=since) | Q(service__created_at__gte=since))
    for row in details.order_by("service_id").iterator(chunk_size=5000):
        yield {"action": "upsert", **location_of(row)}
    if since is not None:
        terminated = Service.objects.filter(state=Service.State.TERMINATED, terminated_at__gte=since)
        for number in terminated.order_by("pk").values_list("number", flat=True).iterator(chunk_size=5000):
            yield {"action": "remove", "number": str(number)}


def _unresolved_rows() -> Iterator[dict]:
    """Active services whose calls cannot be located: no installation address at all (an address
    that does not resolve to a commune cannot be saved)."""
    services = (
        Service.objects.active()
        .filter(contact_details__isnull=True)
        .select_related("billing_account__owner")
        .order_by("pk")
    )
    for service in services.iterator(chunk_size=5000):
        yield {
            "number": str(service.number),
            "kind": service.kind,
            "billing_account": service.billing_account.reference,
            "customer": service.billing_account.owner.get_username(),
            "since": service.created_at.isoformat(),
        }


def _write_atomically(path: Path, columns, rows, progress=None) -> int:
    temporary = path.with_name(f".{path.name}.tmp")
    count = 0
    with open_private(temporary, "w", encoding="utf-8", newline="") as f:
        writer = csv_writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(neutralised_row(row.get(column, "") for column in columns))
            count += 1
            if progress:
                progress(1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    return count


def export_emergency_locations(*, folder: Path, now: datetime, since: datetime | None = None, progress=None):
    """Write the locations (all active services, or the changes since `since`) and, apart, the
    services without an address, each file complete or absent (temporary file, atomic rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    scope = f"depuis-{since:%Y%m%d}" if since else "complet"
    locations = folder / f"urgence-{now:%Y%m%d-%H%M%S}-{scope}.csv"
    unresolved = folder / f"urgence-{now:%Y%m%d-%H%M%S}-adresses-manquantes.csv"
    rows = _write_atomically(locations, COLUMNS, _location_rows(since), progress)
    unresolved_rows = _write_atomically(unresolved, UNRESOLVED_COLUMNS, _unresolved_rows(), progress)
    return EmergencyExport(locations, unresolved, rows, unresolved_rows)
