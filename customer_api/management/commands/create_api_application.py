"""`manage.py create_api_application --owner LOGIN --name NAME`: an application for a customer's
scripts, created as the panel creates one; its key and secret printed once, the last line JSON."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from customer_api.services import APPLICATIONS_PER_CUSTOMER, TooManyApplications, api_application_create


class Command(BaseCommand):
    help = "Crée une application API pour un client et affiche sa clé et son secret (une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="identifiant du client")
        parser.add_argument("--name", required=True, help="nom de l'application (100 caractères au plus)")
        parser.add_argument("--description", default="", help="description (300 caractères au plus)")

    def handle(self, *args, owner, name, description, **options):
        customer = get_user_model().objects.filter(username=owner, is_active=True, is_staff=False).first()
        if customer is None:
            raise CommandError(f"Aucun client actif avec l'identifiant « {owner} ».")
        name, description = name.strip(), description.strip()
        if not name or len(name) > 100 or len(description) > 300:
            raise CommandError("Le nom (1 à 100 caractères) ou la description (300 au plus) ne convient pas.")
        try:
            created = api_application_create(owner=customer, name=name, description=description)
        except TooManyApplications:
            raise CommandError(
                f"{owner} a déjà {APPLICATIONS_PER_CUSTOMER} applications actives : révoquez-en une d'abord."
            ) from None
        self.stdout.write(
            f"Application « {name} » créée pour {owner}. Gardez le secret : il ne sera plus affiché."
        )
        self.stdout.write(
            json.dumps({"application_key": created.application.key, "application_secret": created.secret})
        )
