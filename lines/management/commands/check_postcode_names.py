"""Count how many of La Poste's (postcode, name) pairs resolve to their commune, listing the others.

The pairs are every commune name and libellé d'acheminement with its postcode in the committed
extract of codes-postaux (lines/reference/sources/), read against the database's reference tables.
"""

from django.core.management.base import BaseCommand

from lines.communes import check_postcode_names
from lines.postcode_names import laposte_pairs


class Command(BaseCommand):
    help = (
        "Compte les couples (code postal, nom) de La Poste qui désignent leur commune, et liste les autres."
    )

    def handle(self, *args, **options):
        pairs = laposte_pairs()
        self.stdout.write(f"{len(pairs)} (postcode, name) pairs from La Poste's names...")
        check = check_postcode_names(pairs)
        for label, rows in (("ambiguous", check.ambiguous), ("not resolved", check.failed)):
            for postcode, name, expected, outcome in rows:
                self.stdout.write(f"{label}: {postcode} {name} (expected {expected}): {outcome}")
        self.stdout.write(
            f"{check.resolved} of {check.total} pairs resolve to their commune; {len(check.ambiguous)} "
            f"ambiguous in La Poste's own data (a choice is offered); {check.cedex} CEDEX names refused; "
            f"{len(check.failed)} not resolved"
        )
