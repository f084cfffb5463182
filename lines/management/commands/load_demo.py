"""Load the demo customers, services and staff user. Idempotent: running it again resets the demo
records to their original state and creates nothing twice.

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
from directory.models import Publication
from lines.communes import resolve_location
from lines.models import BillingAccount, ContactDetails, Service

LINE, NUMBER = Service.Kind.LINE, Service.Kind.NUMBER
INDIVIDUAL = ContactDetails.LegalForm.INDIVIDUAL
PROFESSIONAL = ContactDetails.LegalForm.PROFESSIONAL
COMPANY = ContactDetails.LegalForm.COMPANY

# Numbers from the ranges ARCEP sets aside for fiction (01 99 00, 02 61 91): nobody's real line.
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
    # Publication choices and status; None means the customer never opened the section.
    publication: dict | None = None
    status: str = Publication.Status.NONE
    terminated: bool = False
    extra: dict = field(default_factory=dict)


LISTED = {"listed": True}
DEMO_ACCOUNTS = {
    "demo": [
        (
            "dm10001-1",
            "Atelier Dupont - bureaux",
            [
                DemoService("+33199000101", LINE, "Standard", ATELIER, LISTED, Publication.Status.SYNCED),
                DemoService(
                    "+33199000102",
                    LINE,
                    "Accueil",
                    ATELIER,
                    {**LISTED, "line_designation": "Accueil"},
                    Publication.Status.SCHEDULED,
                ),
                DemoService("+33199000103", LINE, "Fax"),
                DemoService(
                    "+33199000104",
                    NUMBER,
                    "Numéro SAV",
                    {**ATELIER, "street_name": "Garibaldi", "street_number": 250, "postcode": "69007"},
                    {**LISTED, "line_designation": "SAV"},
                    Publication.Status.ERROR,
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
                    Publication.Status.SYNCED,
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
                    Publication.Status.SYNCED,
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
                    Publication.Status.SYNCED,
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
                # Was listed, the customer asked to be withdrawn: the withdrawal waits for the sync.
                DemoService(
                    "+33261910206",
                    NUMBER,
                    "Ancien numéro perso",
                    MARIE,
                    {"listed": False},
                    Publication.Status.SCHEDULED,
                    extra={"in_directory": True},
                ),
                DemoService("+33261910207", LINE, "Ligne résiliée", MARIE, terminated=True),
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
                    Publication.Status.SYNCED,
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
# username -> (password, is_staff)
DEMO_USERS = {"demo": ("demo", False), "autre": ("autre", False), "support": ("support", True)}
ERROR_REASON = "Adresse refusée par l'éditeur d'annuaire : voie inconnue à ce code postal."


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
            count = 0
            for username, accounts in DEMO_ACCOUNTS.items():
                for reference, label, services in accounts:
                    account, _ = BillingAccount.objects.update_or_create(
                        reference=reference, defaults={"owner": users[username], "label": label}
                    )
                    for demo in services:
                        self._service(account, demo, users[username])
                        count += 1
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {count} services."))
        self.stdout.write("Logins: demo / demo, autre / autre (customers); support / support (admin).")

    def _user(self, username, password, is_staff):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = is_staff
        user.is_active = True
        user.save()
        return user

    def _service(self, account, demo, owner):
        now = timezone.now()
        service, _ = Service.objects.update_or_create(
            number=demo.number,
            defaults={
                "billing_account": account,
                "kind": demo.kind,
                "label": demo.label,
                "state": Service.State.TERMINATED if demo.terminated else Service.State.ACTIVE,
                "terminated_at": now - timedelta(days=40) if demo.terminated else None,
            },
        )
        if demo.details is None:
            ContactDetails.objects.filter(service=service).delete()
        else:
            location = resolve_location(demo.details["postcode"], demo.details["city"])
            ContactDetails.objects.update_or_create(
                service=service,
                defaults={
                    **demo.details,
                    "commune": location.commune,
                    "arrondissement": location.arrondissement,
                    "departement": location.departement,
                    "updated_at": now - timedelta(days=45),
                    "updated_by": owner,
                },
            )
        # Seed data: statuses are written as they would stand after the panel and a past sync.
        Publication.objects.filter(service=service).delete()
        if demo.publication is not None:
            status = demo.status
            in_directory = demo.extra.get("in_directory", status == Publication.Status.SYNCED)
            Publication.objects.create(
                service=service,
                **demo.publication,
                status=status,
                in_directory=in_directory,
                revision=1,
                scheduled_at=now - timedelta(days=3 if status == Publication.Status.SCHEDULED else 60),
                synced_at=now - timedelta(days=25) if in_directory else None,
                error_reason=ERROR_REASON if status == Publication.Status.ERROR else "",
            )
