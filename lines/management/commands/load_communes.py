"""Load or refresh the commune reference data from lines/reference/communes.csv."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from lines.communes import COMMUNES_CSV, load_communes, read_communes_csv
from lines.models import Commune, PostalCode


class Command(BaseCommand):
    help = "Insère ou met à jour les communes et codes postaux depuis le fichier de référence."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=COMMUNES_CSV, help="CSV file (default: the shipped one)"
        )

    def handle(self, *args, file, **options):
        rows = read_communes_csv(file)
        with transaction.atomic():
            communes, postcodes = load_communes(Commune, PostalCode, rows)
        self.stdout.write(
            self.style.SUCCESS(f"{communes} communes, {postcodes} postcodes loaded from {file}")
        )
