"""Give the names stored before names were capitalised on save their usual capitalisation
(issue 13, item 3): "DUPONT" -> "Dupont", "boulangerie martin" -> "Boulangerie Martin".

Each corrected record gets a history row (source Système) and, where its published listing
changes, is scheduled for the next directory sync, through lines.services like any edit. Safe to
rerun. Records it may not change (an initial-only listing that would now be a homonym, a service
terminated meanwhile) are listed by service id only: no name in the output.
"""

from django.core.management.base import BaseCommand

from lines.services import names_recapitalise


class Command(BaseCommand):
    help = "Met les noms saisis tout en majuscules ou tout en minuscules dans leur casse usuelle."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="records read between progress lines (1000)"
        )

    def handle(self, *args, batch_size, **options):
        def progress(last_service_id, report):
            self.stdout.write(
                f"up to service {last_service_id}: {report.examined} records examined, "
                f"{report.corrected} corrected, {len(report.refused)} refused"
            )

        report = names_recapitalise(batch_size=max(1, batch_size), progress=progress)
        if report.refused:
            self.stdout.write("Refused service ids: " + " ".join(str(pk) for pk in report.refused))
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.examined} records examined, {report.corrected} corrected (history row each), "
                f"{report.scheduled} scheduled for the next directory sync, {len(report.refused)} refused"
            )
        )
