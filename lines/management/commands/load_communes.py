"""Load or refresh the commune reference data from lines/reference/communes.csv and the other
names of communes from lines/reference/postcode_names.csv."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from lines.communes import (
    COMMUNES_CSV,
    load_communes,
    load_postcode_names,
    read_communes_csv,
    read_postcode_names_csv,
)
from lines.models import Commune, PostalCode, PostcodeName
from lines.postcode_names import POSTCODE_NAMES_CSV


class Command(BaseCommand):
    help = "Insère ou met à jour les communes, codes postaux et autres noms depuis les fichiers de référence."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=COMMUNES_CSV, help="CSV file (default: the shipped one)"
        )
        parser.add_argument(
            "--names-file",
            type=Path,
            default=POSTCODE_NAMES_CSV,
            help="other names (default: the shipped one)",
        )

    def handle(self, *args, file, names_file, **options):
        rows = read_communes_csv(file)
        with transaction.atomic():
            communes, postcodes = load_communes(Commune, PostalCode, rows)
            names = load_postcode_names(PostcodeName, read_postcode_names_csv(names_file))
        self.stdout.write(
            self.style.SUCCESS(
                f"{communes} communes, {postcodes} postcodes, {names} other names loaded from {file}"
            )
        )
