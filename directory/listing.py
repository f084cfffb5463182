"""The listing: a service's entry exactly as a directory shows it, derived from the contact
details and the subscriber's display choices. The panel previews it, the status rules compare it
before and after an edit, and the publishers send it."""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from lines.models import ContactDetails

from .models import Publication


@dataclass(frozen=True)
class Listing:
    number: str  # national format, as printed in a directory
    name: str  # "Dupont Marie", "Dupont M.", "Atelier Dupont SARL"
    activity: str  # a sole trader's profession
    line_designation: str  # "Standard", "Accueil", "SAV"...
    street: str  # blank when only the city is published
    postcode: str  # blank when only the city is published
    city: str
    departement: str
    marketing_accepted: bool  # False: the subscriber objects to telemarketing
    reverse_search: bool  # True: the name may be found from the number

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def locality(self) -> str:
        return f"{self.postcode} {self.city}".strip()


def listing_for(details: ContactDetails | None, publication: Publication) -> Listing | None:
    """What the directories should show for this service, or None when nothing should be listed."""
    if details is None or not publication.listed:
        return None
    individual = details.legal_form == ContactDetails.LegalForm.INDIVIDUAL
    if individual:
        first_name = details.first_name
        if publication.name_display == Publication.NameDisplay.INITIAL and first_name:
            first_name = f"{first_name[0].upper()}."
        name = f"{details.last_name} {first_name}".strip()
        city_only = publication.address_display == Publication.AddressDisplay.CITY
    else:
        name = f"{details.company_name} {details.designation_complement}".strip()
        city_only = False  # the display restrictions protect individuals; a business shows its address
    street = details.street_line
    if details.address_complement:
        street = f"{street}, {details.address_complement}"
    return Listing(
        number=details.service.national_number,
        name=name,
        activity=details.profession if details.legal_form == ContactDetails.LegalForm.PROFESSIONAL else "",
        line_designation=publication.line_designation,
        street="" if city_only else street,
        postcode="" if city_only else details.postcode,
        city=details.city,
        departement=details.departement,
        marketing_accepted=publication.marketing_accepted,
        reverse_search=publication.reverse_search,
    )


def listing_flags(listing: Listing) -> list[str]:
    """The markers a directory prints beside the entry."""
    flags = []
    if not listing.marketing_accepted:
        flags.append(_("Opposé au démarchage"))
    if not listing.reverse_search:
        flags.append(_("Absent de l'annuaire inversé"))
    return flags
