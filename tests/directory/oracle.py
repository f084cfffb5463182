"""What every publisher should hold, computed independently of the sync's SQL: the panel's own
listing (directory.listing.listing_for) of each listed and synced service; and what each publisher
does hold: the `Listing` table, and the run export files replayed in order."""

import csv

from django.conf import settings

from directory.listing import listing_for
from directory.models import Listing, Publication, SyncRun
from lines.models import Service

# The export's columns and the Listing table's, as the oracle compares them.
COMPARED = ("number", "national_number", "name", "activity", "line_designation", "street", "postcode", "city",
            "departement")  # fmt: skip


def expected_listings() -> dict:
    """{service_id: {column: value}} for every listed and synced service."""
    expected = {}
    publications = Publication.objects.filter(status="synced").select_related("service__contact_details")
    for publication in publications:
        listing = listing_for(publication.service.details_or_none, publication)
        assert listing is not None, f"service {publication.service_id} synced without a listing"
        expected[publication.service_id] = {
            **{column: getattr(listing, column) for column in COMPARED},
            "marketing_accepted": listing.marketing_accepted,
            "reverse_search": listing.reverse_search,
        }
    return expected


def annuaire_content() -> dict:
    return {
        row["service_id"]: {key: value for key, value in row.items() if key != "service_id"}
        for row in Listing.objects.values("service_id", *COMPARED, "marketing_accepted", "reverse_search")
    }


def replayed_export() -> dict:
    """The external editor's directory: every released export file applied in run order."""
    held = {}
    for run in SyncRun.objects.exclude(export_released_at=None).order_by("pk"):
        for name in run.export_files:
            if not name.endswith(".csv"):
                continue
            with open(settings.DIRECTORY_EXPORT_DIR / name, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    service_id = int(row["listing_id"])
                    if row["action"] == "withdraw":
                        held.pop(service_id, None)
                    else:
                        held[service_id] = {
                            **{column: row[column] for column in COMPARED},
                            "marketing_accepted": row["opposes_marketing"] == "false",
                            "reverse_search": row["opposes_reverse_search"] == "false",
                        }
    return held


def settled_ids() -> set:
    """Services whose publication is not waiting for a run (or that have none)."""
    return set(Service.objects.values_list("pk", flat=True)) - set(
        Publication.objects.filter(status="scheduled").values_list("service_id", flat=True)
    )


def assert_converged(*, publishers=("annuaire", "file")):
    """The invariant, for the settled services: each publisher holds exactly their listings."""
    expected, settled = expected_listings(), settled_ids()
    holdings = {"annuaire": annuaire_content, "file": replayed_export}
    for publisher in publishers:
        held = holdings[publisher]()
        held = {i: v for i, v in held.items() if i in settled}
        assert held == expected, (publisher, held, expected)


def assert_nobody_unlisted_in_our_directory():
    """At every moment: our own directory shows no service whose subscriber said Non."""
    unlisted = Listing.objects.exclude(service__publication__listed=True)
    assert not unlisted.exists(), list(unlisted.values_list("service_id", flat=True))
