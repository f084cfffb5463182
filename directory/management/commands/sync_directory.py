"""Run the directory update now: the same function as the monthly beat task.

    python manage.py sync_directory [--dry-run] [--batch-size N] [--publisher NAME] [--distribute]
                                    [--take-over [--yes]]

Shows a progress bar, prints a summary, and exits non-zero when the run failed. A second start
while a run is under way says so and exits cleanly (status 0) without touching anything; a run
whose heartbeat stopped DIRECTORY_SYNC_STALE_AFTER seconds ago is taken over by the next start,
and `--take-over` takes over the run under way at once, after asking.
"""

import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from directory.models import SyncBatch, SyncRun
from directory.publishers import PUBLISHERS
from directory.sync import SyncAlreadyRunning, directory_sync_dry_run, directory_sync_run, sync_take_over
from telecom_panel.french import french_count

SUMMARY = (
    ("added", "ajoutées"),
    ("updated", "mises à jour"),
    ("withdrawn", "retirées"),
    ("rejected", "refusées"),
    ("left_for_next", "reportées à la prochaine fois"),
    ("repaired", "écarts réparés avant l'envoi"),
)


class Command(BaseCommand):
    help = "Synchronise les annuaires maintenant (la même fonction que la mise à jour mensuelle)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="say what would be sent; change nothing")
        parser.add_argument(
            "--batch-size", type=int, help=f"records per batch (default {settings.DIRECTORY_SYNC_BATCH_SIZE})"
        )
        parser.add_argument(
            "--publisher",
            choices=sorted(PUBLISHERS),
            help="send to this publisher only (statuses then stay scheduled for the full run)",
        )
        parser.add_argument(
            "--distribute",
            action="store_true",
            help="hand the batches to Celery workers (needs REDIS_URL) and follow them",
        )
        parser.add_argument(
            "--take-over",
            action="store_true",
            help="close the run under way as abandoned (its process is dead) and start a new one",
        )
        parser.add_argument("--yes", action="store_true", help="with --take-over: do not ask")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, cron)")

    def handle(self, *args, **options):
        # Ops read the summary in the project's language, whatever a previous caller activated.
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(**options)

    def _handle(self, *, dry_run, batch_size, publisher, distribute, take_over, yes, no_progress, **options):
        if batch_size is not None and not 1 <= batch_size <= 50_000:
            raise CommandError("--batch-size doit être entre 1 et 50000.")
        publishers = [publisher] if publisher else None
        if dry_run:
            return self._dry_run(batch_size)
        if distribute and not settings.REDIS_URL:
            raise CommandError("--distribute needs a broker: set REDIS_URL.")
        if take_over:
            self._take_over(confirmed=yes)

        bar = None if no_progress else tqdm(total=0, unit="lot", desc="Synchronisation", file=sys.stderr)

        def progress(batch):
            if bar is not None:
                bar.total = batch.run.batches_total
                bar.update(1)
                bar.set_postfix(lot=batch.number, état=batch.state)

        try:
            run = directory_sync_run(
                trigger=SyncRun.Trigger.COMMAND,
                batch_size=batch_size,
                publisher_names=publishers,
                distribute=distribute,
                progress=progress,
            )
            if distribute:
                run = self._follow(run, bar)
        except SyncAlreadyRunning as running:
            since = running.run.started_at.strftime("%d/%m/%Y %H:%M") if running.run else "?"
            self.stdout.write(
                f"Une synchronisation est déjà en cours (#{running.run.pk if running.run else '?'}, depuis {since}) : "
                "rien n'a été lancé."
            )
            return
        finally:
            if bar is not None:
                bar.close()
        self._summary(run)
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"La synchronisation #{run.pk} a échoué :\n{run.errors}")

    def _take_over(self, *, confirmed):
        running = SyncRun.objects.filter(status=SyncRun.Status.RUNNING).first()
        if running is None:
            self.stdout.write("Aucune synchronisation en cours : rien à reprendre.")
            return
        self.stdout.write(
            f"Synchronisation #{running.pk} en cours depuis {running.started_at:%d/%m/%Y %H:%M}, "
            f"dernier signe de vie à {running.heartbeat_at:%H:%M:%S}."
        )
        if not confirmed:
            answer = input("Son processus est-il bien arrêté ? La reprendre maintenant [o/N] ? ")
            if answer.strip().lower() not in {"o", "oui", "y", "yes"}:
                raise CommandError("Rien n'a été repris.")
        closed = sync_take_over()
        if closed is not None:
            self.stdout.write(f"Synchronisation #{closed.pk} close comme abandonnée ; une nouvelle commence.")

    def _follow(self, run, bar):
        """Wait for the workers, the progress bar following the batches as they finish."""
        if bar is not None:
            bar.total = run.batches_total
        while True:
            run.refresh_from_db()
            finished = run.batches.exclude(
                state__in=[SyncBatch.State.PENDING, SyncBatch.State.RUNNING]
            ).count()
            if bar is not None:
                bar.update(finished - bar.n)
            if run.status != SyncRun.Status.RUNNING:
                return run
            time.sleep(0.5)

    def _summary(self, run):
        self.stdout.write(
            f"Synchronisation #{run.pk} : {run.get_status_display()} ({french_count(run.batches_total, 'lot')})"
        )
        for field, label in SUMMARY:
            self.stdout.write(f"  {label:<32} {getattr(run, field):>10}")
        for name in run.export_files:
            self.stdout.write(f"  fichier : {settings.DIRECTORY_EXPORT_DIR / name}")

    def _dry_run(self, batch_size):
        report = directory_sync_dry_run(batch_size=batch_size)
        self.stdout.write("Simulation : rien n'a été envoyé ni modifié.")
        for field, label in SUMMARY[:4]:
            self.stdout.write(f"  {label:<32} {getattr(report, field):>10}")
        for reason, count in sorted(report.reasons.items()):
            self.stdout.write(f"    {count:>6} x {reason}")
