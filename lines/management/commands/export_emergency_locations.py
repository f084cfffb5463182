"""Write the emergency location feed for the operator's call routing.

    python manage.py export_emergency_locations [--since 2026-11-01] [--output DIR]

Full file (every active service: number, INSEE code, département, full address) or the changes
since a date (locations changed or services opened, plus `remove` rows for services terminated),
and apart the active services without an address, for ops to chase.
"""

import sys
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from lines.emergency import export_emergency_locations
from telecom_panel.french import french_count


class Command(BaseCommand):
    help = "Exporte la localisation d'urgence de chaque service actif (complète ou depuis une date)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only the changes since this date (YYYY-MM-DD, Europe/Paris)")
        parser.add_argument(
            "--output", type=Path, default=None, help=f"folder (default {settings.EMERGENCY_EXPORT_DIR})"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, since, output, no_progress, **options):
        since_at = None
        if since:
            try:
                since_at = timezone.make_aware(
                    datetime.combine(datetime.strptime(since, "%Y-%m-%d").date(), time.min)
                )
            except ValueError:
                raise CommandError("--since attend une date AAAA-MM-JJ.") from None
        bar = None if no_progress else tqdm(unit=" lignes", desc="Urgence", file=sys.stderr)
        try:
            export = export_emergency_locations(
                folder=output or settings.EMERGENCY_EXPORT_DIR,
                now=timezone.localtime(),
                since=since_at,
                progress=bar.update if bar is not None else None,  # a tqdm with no total has no truth value
            )
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(f"{french_count(export.rows, 'localisation')} : {export.locations}")
        self.stdout.write(
            f"{french_count(export.unresolved_rows, 'service')} sans adresse d'installation : {export.unresolved}"
        )
