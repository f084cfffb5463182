"""Small builders for test data: plain functions, explicit about every value that matters."""

from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from directory.models import Publication
from lines.communes import resolve_location
from lines.models import BillingAccount, ContactDetails, Service

PASSWORD = "correct horse battery staple"
_numbers = count(1)


def make_customer(username, *, reference):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    BillingAccount.objects.create(owner=user, reference=reference, label=f"Compte {username}")
    return user


def make_staff(username, *, group):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def make_service(owner, *, kind=Service.Kind.LINE, number=None, label=""):
    account = owner.billing_accounts.first()
    number = number or f"+331990{next(_numbers):05d}"
    return Service.objects.create(billing_account=account, kind=kind, number=number, label=label)


INDIVIDUAL_DETAILS = {
    "legal_form": ContactDetails.LegalForm.INDIVIDUAL,
    "last_name": "Durand",
    "first_name": "Claire",
    "street_number": 10,
    "street_type": "rue",
    "street_name": "Oberkampf",
    "postcode": "75011",
    "city": "Paris",
}
COMPANY_DETAILS = {
    "legal_form": ContactDetails.LegalForm.COMPANY,
    "siret": "73282932000074",
    "ape_code": "6201Z",
    "company_name": "Exemple SA",
    "street_name": "de la République",
    "postcode": "69003",
    "city": "Lyon",
}


def make_contact_details(service, base=INDIVIDUAL_DETAILS, **overrides):
    """Contact details from `base` (INDIVIDUAL_DETAILS or COMPANY_DETAILS) with some fields changed."""
    values = {**base, **overrides}
    location = resolve_location(values["postcode"], values["city"])
    return ContactDetails.objects.create(
        service=service,
        commune=location.commune,
        arrondissement=location.arrondissement,
        departement=location.departement,
        updated_at=timezone.now(),
        **values,
    )


def make_scheduled_services(owner, count, *, first_number=20_000_000, in_directory=False):
    """`count` listed services waiting for the sync, written set-based (fast at thousands)."""
    account = owner.billing_accounts.first()
    now = timezone.now()
    services = Service.objects.bulk_create(
        Service(billing_account=account, kind=Service.Kind.NUMBER, number=f"+331{first_number + i:08d}")
        for i in range(count)
    )
    location = resolve_location("75011", "Paris")
    ContactDetails.objects.bulk_create(
        ContactDetails(
            service=service,
            **{**INDIVIDUAL_DETAILS, "last_name": f"Abonné{i:06d}"},
            commune=location.commune,
            arrondissement=location.arrondissement,
            departement=location.departement,
            updated_at=now,
        )
        for i, service in enumerate(services)
    )
    Publication.objects.bulk_create(
        Publication(
            service=service,
            listed=True,
            status="scheduled",
            scheduled_at=now,
            revision=1,
            in_directory=in_directory,
        )
        for service in services
    )
    return services
