"""Compare every publisher's content with the subscribers' choices (directory.drift).

    python manage.py check_directory [--verbose]

Prints the differences by publisher and kind (the service ids too with --verbose), records the
check (shown on the admin's sync runs page), and exits with status 1 when there is any.
Set-based: a few joins, whatever the number of services. Changes nothing: the next full run
repairs what it finds.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from directory.drift import CATEGORIES, directory_check
from directory.models import SyncRun

LABELS = {
    "missing": "manquantes (publiées chez nous, absentes chez l'éditeur)",
    "stale": "périmées (contenu différent de l'actuel)",
    "orphan": "en trop (abonné non publié, refusé ou disparu)",
    "untracked": "non suivies (présentes alors que le panel l'ignore)",
    "exposed": "trop visibles (montrent plus que l'abonné ne l'accepte)",
}


class Command(BaseCommand):
    help = "Compare le contenu de chaque annuaire avec les choix des abonnés."

    def add_arguments(self, parser):
        parser.add_argument("--verbose", action="store_true", help="list the service ids of each difference")

    def handle(self, *args, verbose, **options):
        with translation.override(settings.LANGUAGE_CODE):
            drift, check = directory_check(with_ids=verbose)
            self.stdout.write(f"Contrôle des annuaires : {drift.total} écart(s) en {check.duration_ms} ms")
            for publisher, counts in drift.counts.items():
                self.stdout.write(f"  {publisher}")
                for category in CATEGORIES:
                    if category in counts:
                        self.stdout.write(f"    {counts[category]:>10}  {LABELS[category]}")
                        ids = drift.ids.get((publisher, category))
                        if ids:
                            self.stdout.write(f"                services : {' '.join(map(str, ids))}")
            if SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists():
                self.stdout.write(
                    "  Une synchronisation est en cours : certains écarts peuvent être passagers."
                )
            if drift.total:
                raise CommandError(
                    f"{drift.total} écart(s) : la prochaine synchronisation complète les réparera."
                )
            self.stdout.write("Chaque annuaire contient exactement ce que les abonnés ont choisi.")
