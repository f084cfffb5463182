"""A service's contact details and directory choices as OVHcloud's `telephony.DirectoryInfo`
(../shared/reference/ovh-api-contract.md, 3.5), both ways.

A PUT holds no rule of its own: its body is checked for types (customer_api.schemas), turned into
what the panel's form would have posted, merged over the stored values, and validated by the
panel's own forms (lines.forms). lines.services.contact_details_apply then saves it, with the
same status rules and the same history row as the panel (source API, the application named).
"""

import json
import re
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from directory.models import Publication
from directory.services import HomonymRefused, publication_of
from lines.communes import LocationError, WrongTerritory, arrondissement_number
from lines.forms import ContactDetailsForm, PublicationForm, initial_publication
from lines.models import ContactDetails, Service, ServiceChange
from lines.services import ServiceNotEditable, contact_details_apply

from .schemas import READ_ONLY, DirectoryInfoUpdate

LEGAL_FORMS = {"individual": "individual", "professional": "professional", "corporation": "company"}
_API_LEGAL_FORM = {ours: api for api, ours in LEGAL_FORMS.items()}
# Our street types, each with the abbreviation French addresses use (AFNOR NF Z10-011 usage) and
# its name as `wayType` carries it: getWayTypes lists them, GET writes the name, PUT takes any of
# the three (in any case, with or without accents).
WAY_TYPES = {
    "rue": ("R", "RUE"), "avenue": ("AV", "AVENUE"), "boulevard": ("BD", "BOULEVARD"), "place": ("PL", "PLACE"),
    "chemin": ("CHE", "CHEMIN"), "route": ("RTE", "ROUTE"), "impasse": ("IMP", "IMPASSE"),
    "allee": ("ALL", "ALLÉE"), "quai": ("QUAI", "QUAI"), "cours": ("CRS", "COURS"), "square": ("SQ", "SQUARE"),
    "passage": ("PASS", "PASSAGE"), "residence": ("RES", "RÉSIDENCE"), "lieu-dit": ("LD", "LIEU-DIT"),
    "hameau": ("HAM", "HAMEAU"),
}  # fmt: skip
STATUS = {
    Publication.Status.NONE: "",
    Publication.Status.SCHEDULED: "todo",
    Publication.Status.SYNCED: "done",
    Publication.Status.ERROR: "error",
}
# DirectoryInfo property -> the panel form's field.
FORM_FIELDS = {
    "legalForm": "legal_form", "name": "last_name", "firstName": "first_name", "occupation": "profession",
    "siret": "siret", "ape": "ape_code", "socialNomination": "company_name",
    "socialNominationExtra": "designation_complement", "email": "email", "wayNumber": "street_number",
    "wayNumberExtra": "street_number_suffix", "wayType": "street_type", "wayName": "street_name",
    "addressExtra": "address_complement", "postCode": "postcode", "city": "city", "country": "country",
    "displayUniversalDirectory": "listed", "displayMarketingDirectory": "marketing_accepted",
    "displaySearchReverse": "reverse_search", "displayFirstName": "name_display",
    "displayOnlyCity": "address_display", "lineDescription": "line_designation",
}  # fmt: skip
_API_NAME = {form: api for api, form in FORM_FIELDS.items()}
# The properties read from the stored contact details (the others come from the publication).
_DETAIL_PROPERTIES = {
    api: form
    for api, form in FORM_FIELDS.items()
    if form in ContactDetailsForm.base_fields and form != "country"
}
# Written by the server from what it holds: a PUT may send them back (GET, modify, PUT), never set them.
IGNORED = READ_ONLY
# Derived from other properties: a PUT may send them back as they are, never another value.
DERIVED = {
    "address": ("wayNumber", "wayNumberExtra", "wayType", "wayName"),
    "urbanDistrict": ("postCode", "city"),
}
# Only an individual's listing may show an initial or the city alone (the form offers them to no one else).
INDIVIDUAL_ONLY = ("displayFirstName", "displayOnlyCity")
# A body naming more problems than this is answered with the first ones: enough to fix, cheap to send.
MAX_MESSAGES = 20
# Things we do not offer or keep: only their empty value is accepted, so nothing sent is lost silently.
_EMPTY_ONLY = {"PJSocialNomination": "", "directoryServiceCode": "", "cedex": "", "postBox": "",
               "receivePJDirectory": False, "gender": None, "birthDate": None}  # fmt: skip
_WAY_NUMBER = re.compile(r"\s*([0-9]+)\s*(bis|ter|quater|quinquies|[a-d])?\s*", re.IGNORECASE)


def service_name(service: Service) -> str:
    """How OVHcloud names a service: its international number with 00 (0033972102030)."""
    return "00" + service.number_digits


def _area_code(service: Service) -> int:
    digits = service.number_digits
    return int(digits[2]) if digits.startswith("33") and digits[2] in "12345" else 0


def directory_info(service: Service) -> dict:
    """The 38 properties, every one always present; blank strings, never null, but the two nullable."""
    details = service.details_or_none
    publication = publication_of(service)
    text = dict.fromkeys(_DETAIL_PROPERTIES, "")
    if details is not None:
        for api, form in _DETAIL_PROPERTIES.items():
            value = getattr(details, form)
            text[api] = "" if value is None else str(value)
        text["legalForm"] = _API_LEGAL_FORM.get(details.legal_form, details.legal_form)
        text["wayType"] = WAY_TYPES[details.street_type][1] if details.street_type in WAY_TYPES else ""
    modified = publication.scheduled_at or publication.synced_at or (details.updated_at if details else None)
    scheduled = publication.status == Publication.Status.SCHEDULED
    commune = details.commune_id if details else ""
    return {
        **text,
        "country": "fr",
        "address": details.street_line if details else "",
        "urbanDistrict": urban_district(details.arrondissement_id if details else None),
        "inseeCode": int(commune) if commune and commune.isdigit() else 0,
        "areaCode": _area_code(service),
        "number": service_name(service),
        "PJSocialNomination": "", "directoryServiceCode": "", "cedex": "", "postBox": "",
        "receivePJDirectory": False, "gender": None, "birthDate": None,
        "displayUniversalDirectory": publication.listed,
        "displayMarketingDirectory": publication.marketing_accepted,
        "displaySearchReverse": publication.reverse_search,
        "displayFirstName": publication.name_display == Publication.NameDisplay.FULL,
        "displayOnlyCity": publication.address_display == Publication.AddressDisplay.CITY,
        "lineDescription": publication.line_designation,
        "status": STATUS[publication.status],
        "modificationType": ("creation" if publication.listed else "deletion") if scheduled else "",
        "modificationDate": timezone.localtime(modified).isoformat() if modified else "",
    }  # fmt: skip


def urban_district(arrondissement_code: str | None) -> str:
    """Paris, Lyon and Marseille's arrondissement by its number, as OVHcloud writes it: "03" for
    Lyon 3e (69383), "11" for Paris 11e (75111), "" elsewhere."""
    number = arrondissement_number(arrondissement_code)
    return f"{number:02d}" if number is not None else ""


class InvalidDirectoryInfo(ValueError):
    """A PUT refused, nothing saved: `messages` are `[property] reason`, joined by the API with `; `."""

    def __init__(self, messages: list[str]):
        shown = messages[:MAX_MESSAGES]
        more = len(messages) - len(shown)
        super().__init__("; ".join(shown) + (f"; … ({more} more)" if more else ""))
        self.messages = messages


def _type_message(error: dict) -> str:
    got = json.dumps(error.get("input"), ensure_ascii=False)[:80]
    expected = {
        "bool_type": "a boolean", "string_type": "a string", "int_type": "an integer",
        "date_type": "a date (YYYY-MM-DD)", "date_parsing": "a date (YYYY-MM-DD)",
        "date_from_datetime_parsing": "a date (YYYY-MM-DD)", "literal_error": "female, male or null",
    }.get(error["type"])  # fmt: skip
    if error["type"] == "extra_forbidden":
        return "Unknown property"
    return f"Expected {expected}, got {got}" if expected else error["msg"]


def parse_update(body: bytes) -> dict:
    """The properties a PUT body sets, type-checked; InvalidDirectoryInfo lists every type error."""
    if not body.strip():
        return {}
    try:
        update = DirectoryInfoUpdate.model_validate_json(body)
    except ValidationError as error:
        messages = []
        for item in error.errors():
            if not item["loc"]:
                messages.append(
                    "[body] "
                    + ("Invalid JSON" if item["type"] == "json_invalid" else "Expected a JSON object")
                )
            else:
                messages.append(f"[{item['loc'][0]}] {_type_message(item)}")
        raise InvalidDirectoryInfo(messages) from None
    return {name: getattr(update, name) for name in update.model_fields_set}


def _stored_form_data(details: ContactDetails | None, publication: Publication) -> dict:
    data = {"country": "FR"}
    if details is not None:
        for name in ContactDetailsForm.base_fields:
            if name != "country":
                data[name] = getattr(details, name)
    data.update(initial_publication(publication))
    return data


def _as_posted(value) -> str:
    if value is None:
        return ""
    return str(value)  # True -> "True": what the forms' Oui/Non choices take


def _merged(update: dict, data: dict) -> tuple[dict, list[str]]:
    """The form data with the PUT's properties over the stored values, and the refusals that no
    form field can express (things we neither offer nor keep)."""
    refused = []
    match = _WAY_NUMBER.fullmatch(update.get("wayNumber") or "")
    if match and match.group(2) and not update.get("wayNumberExtra"):  # "12 bis" in one property
        update = {**update, "wayNumber": match.group(1), "wayNumberExtra": match.group(2)}
    for api, value in update.items():
        if api in IGNORED or api in DERIVED:
            continue
        if api in _EMPTY_ONLY:
            if value != _EMPTY_ONLY[api]:
                refused.append(f"[{api}] " + str(_EMPTY_ONLY_REASONS[api]))
            continue
        form = FORM_FIELDS[api]
        if api == "legalForm":
            value = LEGAL_FORMS.get(value, value)
        elif api == "country":
            if value.lower() != "fr":
                refused.append(
                    "[country] " + _("Les lignes sont installées en France : seul « fr » est accepté.")
                )
                continue
            value = "FR"
        elif api == "wayType":
            value = _way_type(value)
        elif api == "wayNumberExtra":
            value = _suffix(value)
        elif api == "displayFirstName":
            value = Publication.NameDisplay.FULL if value else Publication.NameDisplay.INITIAL
        elif api == "displayOnlyCity":
            value = Publication.AddressDisplay.CITY if value else Publication.AddressDisplay.FULL
        data[form] = value
    return {name: _as_posted(value) for name, value in data.items()}, refused


def _suffix(value: str) -> str:
    value = value.strip()
    return value.upper() if len(value) == 1 else value.lower()


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text.strip()).encode("ascii", "ignore").decode().upper()


def _way_type(value: str) -> str:
    """Our street type from its code, its abbreviation or its name, in any case: RUE, R, rue, Allée."""
    typed = _plain(value)
    for ours, (abbreviation, name) in WAY_TYPES.items():
        if typed in (_plain(ours), abbreviation, _plain(name)):
            return ours
    return value  # the form refuses it, with its own message


_EMPTY_ONLY_REASONS = {
    "PJSocialNomination": gettext_lazy(
        "La dénomination Pages Jaunes n'est pas proposée : laissez ce champ vide."
    ),
    "directoryServiceCode": gettext_lazy(
        "Les rubriques Pages Jaunes ne sont pas proposées : laissez ce champ vide."
    ),
    "receivePJDirectory": gettext_lazy("L'annuaire papier n'est pas proposé : laissez false."),
    "cedex": gettext_lazy(
        "Une adresse CEDEX sert au courrier, pas à situer une ligne : indiquez l'adresse où la ligne est installée."
    ),
    "postBox": gettext_lazy(
        "Une boîte postale ne situe pas une ligne : indiquez l'adresse où la ligne est installée."
    ),
    "gender": gettext_lazy("Nous ne conservons pas le sexe des abonnés : laissez null."),
    "birthDate": gettext_lazy("Nous ne conservons pas la date de naissance des abonnés : laissez null."),
}


def _form_messages(*forms) -> list[str]:
    messages = []
    for form in forms:
        for field, errors in form.errors.items():
            name = _API_NAME.get(field, "body")
            messages.extend(f"[{name}] {message}" for message in errors)
    return messages


def _refusals(update: dict, current: dict, legal_form: str) -> list[str]:
    """What no form field can say: a derived property set to another value than its own, an
    individual's display option on anyone else's record."""
    refused = []
    for name, sources in DERIVED.items():
        if name in update and update[name] not in ("", current[name]):
            refused.append(f"[{name}] " + _("Calculé à partir de %(sources)s : envoyez plutôt ces propriétés.")
                           % {"sources": ", ".join(sources)})  # fmt: skip
    if legal_form != ContactDetails.LegalForm.INDIVIDUAL:
        for name in INDIVIDUAL_ONLY:
            if name in update and update[name] != current[name]:
                refused.append(f"[{name}] " + _("Réservé aux particuliers (legalForm individual)."))
    return refused


def directory_update(*, service: Service, update: dict, actor, application: str) -> None:
    """Applies a PUT's properties (parse_update) to `service`: all or nothing. Raises
    InvalidDirectoryInfo with every problem found; saves through lines.services otherwise.

    The service is locked before its stored values are read, so that an edit committed meanwhile
    (in the panel, or another PUT) is merged, never undone by properties this PUT did not send."""
    if not any(name not in IGNORED for name in update):
        return  # an empty body, or only what the server writes: nothing to do
    with transaction.atomic():
        locked = Service.objects.select_for_update(no_key=True).get(pk=service.pk)
        current = directory_info(locked)
        if all(current.get(name) == value for name, value in update.items() if name not in IGNORED):
            return  # what a GET gave, sent back as it was (a line without details included)
        details, publication = locked.details_or_none, publication_of(locked)
        data, refused = _merged(update, _stored_form_data(details, publication))
        refused += _refusals(update, current, data.get("legal_form", ""))
        details_form, publication_form = ContactDetailsForm(data, stored=details), PublicationForm(data)
        valid = details_form.is_valid() & publication_form.is_valid()  # both, for every message at once
        messages = refused + _form_messages(details_form, publication_form)
        if messages or not valid:
            raise InvalidDirectoryInfo(messages or ["[body] " + _("Ces coordonnées ne sont pas valides.")])
        try:
            with transaction.atomic():
                contact_details_apply(
                    service=locked,
                    details=details_form.details(),
                    publication=publication_form.choices_for(details_form.cleaned_data["legal_form"]),
                    actor=actor,
                    source=ServiceChange.Source.API,
                    application=application,
                    options_when_unlisted=True,
                )
        except WrongTerritory as wrong:
            raise InvalidDirectoryInfo([f"[postCode] {wrong.message}"]) from None
        except HomonymRefused as homonym:
            raise InvalidDirectoryInfo([f"[displayFirstName] {homonym.message}"]) from None
        except LocationError:
            raise InvalidDirectoryInfo(
                ["[city] " + _("Cette adresse ne correspond à aucune commune.")]
            ) from None
        except ServiceNotEditable as error:
            raise InvalidDirectoryInfo([f"[serviceName] {error}"]) from None
