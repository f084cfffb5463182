"""Load the demo customers, services and staff user. Idempotent: running it again resets the demo
records to their original state and creates nothing twice.

The demo is played as the customers would: details and directory choices go through the panel's
service, then a directory sync runs (it also takes any other scheduled record of this database),
then a few more changes are left waiting for the next sync.

The accounts have well-known passwords, so the command refuses to run with DEBUG off unless
--force is given: they must never reach a production database by accident.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.permissions import SUPPORT
from directory.models import Listing, Publication, SyncRun
from directory.sync import SyncAlreadyRunning, directory_sync_run
from lines.models import BillingAccount, ContactDetails, Service, ServiceChange
from lines.services import contact_details_apply

LINE, NUMBER = Service.Kind.LINE, Service.Kind.NUMBER
INDIVIDUAL = ContactDetails.LegalForm.INDIVIDUAL
PROFESSIONAL = ContactDetails.LegalForm.PROFESSIONAL
COMPANY = ContactDetails.LegalForm.COMPANY

# Numbers from the ranges ARCEP sets aside for fiction (01 99 00, 02 61 91, 03 53 01): nobody's real
# line. ARCEP sets none aside in Réunion's 0262 or Guadeloupe's 0690 (its one overseas block, 06 39
# 98, is Mayotte's), so the two overseas demo numbers take a block of the form the fiction ones
# have, 99 01 xx; like every demo number, tests/log_scan.py fails a run whose logs carry them.
ATELIER = {
    "legal_form": COMPANY,
    "siret": "73282932000074",
    "ape_code": "6201Z",
    "company_name": "Atelier Dupont",
    "designation_complement": "SARL",
    "email": "contact@atelier-dupont.example",
    "street_number": 12,
    "street_type": "rue",
    "street_name": "de la République",
    "postcode": "69003",
    "city": "Lyon",
}
MARIE = {
    "legal_form": INDIVIDUAL,
    "last_name": "Dupont",
    "first_name": "Marie",
    "email": "marie.dupont@example.org",
    "street_number": 8,
    "street_number_suffix": "bis",
    "street_type": "boulevard",
    "street_name": "Voltaire",
    "postcode": "75011",
    "city": "Paris",
}


@dataclass
class DemoService:
    number: str
    kind: str
    label: str
    details: dict | None = None
    # Directory choices saved before the demo's directory sync, and those saved after it (which
    # leaves a change waiting for the next sync).
    publication: dict = field(default_factory=lambda: {"listed": False})
    then: dict | None = None
    terminated: bool = False


LISTED = {"listed": True}
PUBLICATION_DEFAULTS = {
    "marketing_accepted": False,
    "reverse_search": False,
    "name_display": "full",
    "address_display": "full",
    "line_designation": "",
}
DEMO_ACCOUNTS = {
    "demo": [
        (
            "dm10001-1",
            "Atelier Dupont - bureaux",
            [
                DemoService("+33199000101", LINE, "Standard", ATELIER, LISTED),
                DemoService(
                    "+33199000102", LINE, "Accueil", ATELIER, then={**LISTED, "line_designation": "Accueil"}
                ),
                DemoService("+33199000103", LINE, "Fax"),
                DemoService(
                    "+33199000104",
                    NUMBER,
                    "Numéro SAV",
                    {**ATELIER, "street_name": "Garibaldi", "street_number": 250, "postcode": "69007"},
                    # Refused by the directories: no advertising in a line description.
                    {**LISTED, "line_designation": "SAV 7j/7 www.atelier-dupont.fr"},
                ),
                DemoService("+33199000105", NUMBER, "Ligne directe direction", ATELIER, {"listed": False}),
                DemoService("+33199000106", LINE, "Salle de réunion"),
                DemoService(
                    "+33199000107",
                    NUMBER,
                    "Cabinet infirmier",
                    {
                        "legal_form": PROFESSIONAL,
                        "profession": "Infirmière",
                        "siret": "09281590139629",
                        "ape_code": "8690D",
                        "company_name": "Cabinet Martin",
                        "street_number": 3,
                        "street_type": "place",
                        "street_name": "Bellecour",
                        "postcode": "69002",
                        "city": "Lyon",
                    },
                    {**LISTED, "reverse_search": True},
                ),
            ],
        ),
        (
            "dm10001-2",
            "Domicile",
            [
                DemoService(
                    "+33261910201",
                    LINE,
                    "Maison",
                    MARIE,
                    {**LISTED, "name_display": "initial", "address_display": "city", "reverse_search": True},
                ),
                DemoService("+33261910202", NUMBER, "Fax maison", MARIE, {"listed": False}),
                DemoService(
                    "+33261910203",
                    LINE,
                    "Maison de vacances",
                    {
                        **MARIE,
                        "street_number": 5,
                        "street_number_suffix": "",
                        "street_type": "route",
                        "street_name": "des Sanguinaires",
                        "postcode": "20000",
                        "city": "Ajaccio",
                    },
                    {**LISTED, "marketing_accepted": True},
                ),
                DemoService("+33261910204", NUMBER, "Numéro virtuel"),
                DemoService(
                    "+33261910205",
                    LINE,
                    "Bureau à la Réunion",
                    {
                        "legal_form": PROFESSIONAL,
                        "profession": "Architecte",
                        "siret": "03340187801755",
                        "ape_code": "7111Z",
                        "company_name": "Dupont Architecture",
                        "street_number": 40,
                        "street_type": "rue",
                        "street_name": "de Paris",
                        "postcode": "97400",
                        "city": "Saint-Denis",
                    },
                    {"listed": False},
                ),
                # Listed, then the customer asked to be withdrawn: the withdrawal waits for the sync.
                DemoService(
                    "+33261910206", NUMBER, "Ancien numéro perso", MARIE, LISTED, then={"listed": False}
                ),
                DemoService("+33261910207", LINE, "Ligne résiliée", MARIE, terminated=True),
                # Overseas numbers, installed in their own territory (lines.phone): their RIO is
                # computed over their national form (0262 99 01 01, 0690 99 01 02).
                DemoService(
                    "+262262990101",
                    LINE,
                    "Case à Saint-Denis",
                    {
                        **MARIE,
                        "street_number": 14,
                        "street_number_suffix": "",
                        "street_type": "rue",
                        "street_name": "de la Compagnie",
                        "postcode": "97400",
                        "city": "Saint-Denis",
                    },
                    {**LISTED, "reverse_search": True},
                ),
                DemoService(
                    "+590690990102",
                    NUMBER,
                    "Portable en Guadeloupe",
                    {
                        **MARIE,
                        "street_number": 7,
                        "street_number_suffix": "",
                        "street_type": "rue",
                        "street_name": "Frébault",
                        "postcode": "97110",
                        "city": "Pointe-à-Pitre",
                    },
                    {"listed": False},
                ),
            ],
        ),
    ],
    "autre": [
        (
            "au20002-1",
            "Autre client",
            [
                DemoService(
                    "+33353010301",
                    LINE,
                    "Maison",
                    {
                        "legal_form": INDIVIDUAL,
                        "last_name": "Autre",
                        "first_name": "Jean",
                        "street_number": 1,
                        "street_type": "avenue",
                        "street_name": "du Prado",
                        "postcode": "13008",
                        "city": "Marseille",
                    },
                    LISTED,
                ),
                DemoService("+33353010302", NUMBER, "Portable de secours"),
                DemoService(
                    "+33353010303",
                    LINE,
                    "Boutique",
                    {
                        "legal_form": COMPANY,
                        "siret": "62889751402612",
                        "ape_code": "4711B",
                        "company_name": "Épicerie du Prado",
                        "street_number": 2,
                        "street_type": "avenue",
                        "street_name": "du Prado",
                        "postcode": "13006",
                        "city": "Marseille",
                    },
                    {"listed": False},
                ),
            ],
        ),
    ],
}
# username -> (password, is_staff, e-mail, language of our e-mails). The addresses are of the
# reserved example.org domain: with `make run` (the console back-end) the customers' reports of the
# demo's sync are printed, in French for demo and in English for autre.
DEMO_USERS = {
    "demo": ("demo", False, "demo@example.org", "fr"),
    "autre": ("autre", False, "autre@example.org", "en"),
    "support": ("support", True, "support@example.org", "fr"),
}


class Command(BaseCommand):
    help = "Charge les comptes et services de démonstration (demo/demo, autre/autre, support/support)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (never in production)"
        )

    def handle(self, *args, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé : les comptes de démonstration ont des mots de passe connus. "
                "Utilisez --force si cette base n'est pas une base de production."
            )
        with transaction.atomic():
            users = {name: self._user(name, *spec) for name, spec in DEMO_USERS.items()}
            users["support"].groups.add(Group.objects.get(name=SUPPORT))
            demo_services = []
            for username, accounts in DEMO_ACCOUNTS.items():
                for reference, label, services in accounts:
                    account, _ = BillingAccount.objects.update_or_create(
                        reference=reference, defaults={"owner": users[username], "label": label}
                    )
                    for demo in services:
                        demo_services.append((self._reset(account, demo), demo, users[username]))
            # The customers' own steps, through the same services as the panel and the sync.
            for service, demo, owner in demo_services:
                if demo.details is not None:
                    self._apply(service, demo, demo.publication, owner)
            try:
                directory_sync_run(trigger=SyncRun.Trigger.COMMAND)
            except SyncAlreadyRunning as running:
                raise CommandError(
                    f"Une synchronisation des annuaires est en cours (#{running.run.pk})."
                ) from None
            for service, demo, owner in demo_services:
                if demo.then is not None:
                    self._apply(service, demo, demo.then, owner)
                if demo.terminated:
                    Service.objects.filter(pk=service.pk).update(
                        state=Service.State.TERMINATED, terminated_at=timezone.now() - timedelta(days=40)
                    )
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(demo_services)} services."))
        self.stdout.write("Logins: demo / demo, autre / autre (customers); support / support (admin).")

    def _user(self, username, password, is_staff, email, language):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = is_staff
        user.is_active = True
        user.email, user.language, user.details_reminders = email, language, True
        user.save()
        return user

    def _reset(self, account, demo):
        """The demo service as new: active, no details, no publication, no history."""
        service, _ = Service.objects.update_or_create(
            number=demo.number,
            defaults={
                "billing_account": account,
                "kind": demo.kind,
                "label": demo.label,
                "state": Service.State.ACTIVE,
                "terminated_at": None,
            },
        )
        for model in (ContactDetails, Publication, Listing, ServiceChange):
            model.objects.filter(service=service).delete()
        return service

    def _apply(self, service, demo, choices, owner):
        contact_details_apply(
            service=service,
            details=demo.details,
            publication={**PUBLICATION_DEFAULTS, **choices},
            actor=owner,
            source=ServiceChange.Source.PANEL,
        )
