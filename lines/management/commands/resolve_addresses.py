"""Re-resolve every active service's stored address to the official commune name (issue 13, item 5).

Each corrected record gets a history row (source Système, the old city kept in it) and, where its
published listing changes, is scheduled for the next directory sync, by lines.services'
contact_details_apply like any edit. Safe to rerun: records already official are not touched.
Records whose address names no commune are listed by service id only (no name or address in
the output), for ops to chase.
"""

from django.core.management.base import BaseCommand

from lines.services import addresses_resolve


class Command(BaseCommand):
    help = (
        "Réécrit les adresses enregistrées avec le nom officiel de leur commune et liste celles à reprendre."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="records read at a time, between progress lines (500)"
        )

    def handle(self, *args, batch_size, **options):
        def progress(done, total, report):
            self.stdout.write(
                f"{done}/{total} records ({report.distinct} distinct addresses): "
                f"{report.corrected} corrected, {len(report.unresolved)} unresolved"
            )

        report = addresses_resolve(batch_size=max(1, batch_size), progress=progress)
        if report.unresolved:
            self.stdout.write("Unresolved service ids: " + " ".join(str(pk) for pk in report.unresolved))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.examined} addresses examined, {report.corrected} corrected (history row each), "
                f"{report.scheduled} scheduled for the next directory sync, {len(report.unresolved)} unresolved"
                + (
                    f", {report.changed_meanwhile} edited meanwhile (left as edited)"
                    if report.changed_meanwhile
                    else ""
                )
            )
        )
