"""The listing: a service's entry exactly as a directory shows it, derived from the contact
details and the subscriber's display choices. The panel previews it, the status rules compare it
before and after an edit. The sync builds the same listing in SQL, set-based
(directory.staging); tests/directory/test_staging.py keeps the two in step.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from lines.models import ContactDetails

from .models import NAME_SEARCH_LENGTH, Publication

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

    @property
    def locality(self) -> str:
        return f"{self.postcode} {self.city}".strip()


def listing_for(details: ContactDetails | None, publication: Publication) -> Listing | None:
    """What the directories should show for this service, or None when nothing should be listed."""
    if details is None or not publication.listed:
        return None
    if details.legal_form == INDIVIDUAL:
        if publication.name_display == Publication.NameDisplay.INITIAL:
            name = initial_name(details.last_name, details.first_name)
        else:
            name = f"{details.last_name} {details.first_name}".strip()
        city_only = publication.address_display == Publication.AddressDisplay.CITY
    else:
        name = f"{details.company_name} {details.designation_complement}".strip()
        city_only = False  # the display restrictions protect individuals; a business shows its address
    street = details.street_line
    if details.address_complement:
        street = f"{street}, {details.address_complement}"
    return Listing(
        number=str(details.service.number),
        national_number=details.service.national_number,
        name=name,
        activity=details.profession if details.legal_form == PROFESSIONAL else "",
        line_designation=publication.line_designation,
        street="" if city_only else street,
        postcode="" if city_only else details.postcode,
        city=details.city,
        departement=details.departement,
        marketing_accepted=publication.marketing_accepted,
        reverse_search=publication.reverse_search,
    )


# The subscriber's choices a listing depends on.
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


def name_search_key(name: str) -> str:
    """The key a listing name is stored and searched under: its search_key, cut to the indexed
    column's length (upper-casing may lengthen a name: "ß" -> "SS")."""
    return search_key(name)[:NAME_SEARCH_LENGTH].rstrip()


def initial_name(last_name: str, first_name: str) -> str:
    """An individual's name as printed with the first-name-initial option: `Dupont M.`."""
    initial = f"{first_name[0]}." if first_name else ""
    return f"{last_name} {initial}".strip()


def initial_name_key(last_name: str, first_name: str) -> str:
    """The search key of initial_name (`DUPONT M`): two listings in one commune whose keys are
    equal print alike, case and accents aside. Stored and indexed with the commune
    (ContactDetails.initial_name_key) for the homonym rule (directory.services.initial_homonym)."""
    if not (last_name and first_name):
        return ""
    # The last name is cut, never the initial: cut as a whole, a long (or "ß"-lengthened) last
    # name would lose its initial and make "X… Jean" the homonym of "X… Marie".
    initial = search_key(first_name[0])
    last = search_key(last_name)[: NAME_SEARCH_LENGTH - 1 - len(initial)].rstrip()
    return f"{last} {initial}".strip()


def listing_flags(listing: Listing) -> list[str]:
    """The markers a directory prints beside the entry."""
    flags = []
    if not listing.marketing_accepted:
        flags.append(_("Opposé au démarchage"))
    if not listing.reverse_search:
        flags.append(_("Absent de l'annuaire inversé"))
    return flags
