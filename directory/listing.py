"""The listing: a service's entry exactly as a directory shows it, derived from the contact
details and the subscriber's display choices. The panel previews it, the status rules compare it
before and after an edit, and the publishers send it.

`build_listing` works on plain values so that the sync can build a million listings from one
query's rows without creating model instances; `listing_for` is its model-instance wrapper.
"""

from dataclasses import asdict, dataclass

import phonenumbers
from django.utils.translation import gettext as _

from lines.models import ContactDetails

from .models import Publication

_STREET_TYPES = dict(ContactDetails.StreetType.choices)
# Directories refuse advertising in a line description: web or e-mail addresses, numbers. The
# panel's form checks it as the customer types; the sync checks it again (directory.staging).
ADVERTISING_PATTERN = r"https?://|www\.|@|[0-9]{4,}"
INDIVIDUAL = ContactDetails.LegalForm.INDIVIDUAL
PROFESSIONAL = ContactDetails.LegalForm.PROFESSIONAL


@dataclass(frozen=True)
class Listing:
    number: str  # E.164
    national_number: str  # as printed in a directory: "01 99 00 01 01"
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


def national_format(e164: str) -> str:
    """`+33199000101` -> `01 99 00 01 01`. Metropolitan numbers take a fast path: the sync formats
    millions of them, and a full parse costs tens of microseconds each."""
    if len(e164) == 12 and e164.startswith("+33") and e164[3] != "0":
        digits = "0" + e164[3:]
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)


def build_listing(
    *,
    number,
    legal_form,
    last_name,
    first_name,
    company_name,
    designation_complement,
    profession,
    street_number,
    street_number_suffix,
    street_type,
    street_name,
    address_complement,
    postcode,
    city,
    departement,
    marketing_accepted,
    reverse_search,
    name_display,
    address_display,
    line_designation,
    national_number=None,
) -> Listing:
    """The listing of a listed service, from the values of its contact details and choices."""
    if legal_form == INDIVIDUAL:
        if name_display == Publication.NameDisplay.INITIAL and first_name:
            first_name = f"{first_name[0]}."
        name = f"{last_name} {first_name}".strip()
        city_only = address_display == Publication.AddressDisplay.CITY
    else:
        name = f"{company_name} {designation_complement}".strip()
        city_only = False  # the display restrictions protect individuals; a business shows its address
    street = " ".join(
        str(part)
        for part in (
            street_number or "",
            street_number_suffix,
            _STREET_TYPES.get(street_type, ""),
            street_name,
        )
        if part
    )
    if address_complement:
        street = f"{street}, {address_complement}"
    number = str(number)
    return Listing(
        number=number,
        national_number=national_number or national_format(number),
        name=name,
        activity=profession if legal_form == PROFESSIONAL else "",
        line_designation=line_designation,
        street="" if city_only else street,
        postcode="" if city_only else postcode,
        city=city,
        departement=departement,
        marketing_accepted=marketing_accepted,
        reverse_search=reverse_search,
    )


def listing_for(details: ContactDetails | None, publication: Publication) -> Listing | None:
    """What the directories should show for this service, or None when nothing should be listed."""
    if details is None or not publication.listed:
        return None
    return build_listing(
        number=details.service.number,
        national_number=details.service.national_number,
        **{field: getattr(details, field) for field in LISTING_DETAIL_FIELDS},
        **{field: getattr(publication, field) for field in LISTING_CHOICE_FIELDS},
    )


# The contact-details and publication fields a listing is made of.
LISTING_DETAIL_FIELDS = (
    "legal_form",
    "last_name",
    "first_name",
    "company_name",
    "designation_complement",
    "profession",
    *ContactDetails.ADDRESS_FIELDS,
    "departement",
)
LISTING_CHOICE_FIELDS = (
    "marketing_accepted",
    "reverse_search",
    "name_display",
    "address_display",
    "line_designation",
)


# Letters folded for name searches; the Python and SQL sides both read this one table.
FOLDED_FOR_SEARCH = {
    **dict.fromkeys("àâäáãå", "a"), **dict.fromkeys("ÀÂÄÁÃÅ", "A"), "ç": "c", "Ç": "C",
    **dict.fromkeys("éèêë", "e"), **dict.fromkeys("ÉÈÊË", "E"), **dict.fromkeys("íìîï", "i"),
    **dict.fromkeys("ÍÌÎÏ", "I"), "ñ": "n", "Ñ": "N", **dict.fromkeys("óòôöõø", "o"),
    **dict.fromkeys("ÓÒÔÖÕØ", "O"), **dict.fromkeys("úùûü", "u"), **dict.fromkeys("ÚÙÛÜ", "U"),
    "ý": "y", "ÿ": "y", "Ý": "Y", "Ÿ": "Y", "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE",
    **dict.fromkeys("'’-.,/&", " "),  # noqa: RUF001 (the typographic apostrophe is folded too)
}  # fmt: skip


_SEARCH_TABLE = str.maketrans(FOLDED_FOR_SEARCH)


def search_key(text: str) -> str:
    """`Dupont-Lefèvre M.` -> `DUPONT LEFEVRE M`: how listing names are indexed and searched."""
    return " ".join(text.translate(_SEARCH_TABLE).upper().split())


def listing_flags(listing: Listing) -> list[str]:
    """The markers a directory prints beside the entry."""
    flags = []
    if not listing.marketing_accepted:
        flags.append(_("Opposé au démarchage"))
    if not listing.reverse_search:
        flags.append(_("Absent de l'annuaire inversé"))
    return flags
