"""How a history entry reads: field labels and values in the customer's language, and what a
customer may read of it.

The rule: a customer reads the entries of their own time in full. A billing account may be
reassigned to another customer (support changes its owner; BillingAccount.owner_since says when):
the entries recorded before the account came to its current owner are the former owner's, so they
show only their date, what kind of change they were, and "Modification antérieure au rattachement
à votre compte": no value, no author, no effect on the listing. Support, in the admin, sees all.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from directory.models import Publication
from directory.services import Outcome

from .models import ContactDetails, Service, ServiceChange

_PUBLICATION_PREFIX = "publication."
# lines.services.TYPED_CITY: the city as typed, shown beside the official name stored.
_TYPED_CITY = "city_typed"


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    consent: bool  # a directory choice: publication, reverse search, telemarketing...


def _field(name):
    if name.startswith(_PUBLICATION_PREFIX):
        return Publication._meta.get_field(name.removeprefix(_PUBLICATION_PREFIX))
    if name == "commune_id":
        return ContactDetails._meta.get_field("commune")
    if name in {"rio", "state"}:
        return Service._meta.get_field(name)
    return ContactDetails._meta.get_field(name)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]  # "SIRET" stays SIRET, "code APE/NAF" keeps its capitals


def _shown(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Oui") if value else _("Non")
    choices = dict(field.flatchoices) if field.choices else {}
    return str(choices.get(value, value))


def describe(change: ServiceChange) -> list[FieldChange]:
    described = []
    typed_city = (change.changes.get(_TYPED_CITY) or [None, None])[1]
    for name, (old, new) in change.changes.items():
        if name == _TYPED_CITY and "city" in change.changes:
            continue  # shown with the city: "Saint-Étienne (saisi : saint etienne)"
        if name == _TYPED_CITY:
            described.append(FieldChange(_("Ville saisie"), "—", str(new), consent=False))
            continue
        if name == "city" and typed_city:
            new = _("%(city)s (saisi : %(typed)s)") % {"city": new, "typed": typed_city}
        try:
            field = _field(name)
        except FieldDoesNotExist:  # a field removed since: still show the raw values
            described.append(FieldChange(name, str(old), str(new), consent=False))
            continue
        described.append(
            FieldChange(
                label=_first_upper(str(field.verbose_name)),
                old=_shown(field, old),
                new=_shown(field, new),
                consent=name.startswith(_PUBLICATION_PREFIX),
            )
        )
    return described


def change_kinds(change: ServiceChange) -> list[str]:
    """What a change was about, without any value: Informations, Adresse, Parution, RIO..."""
    identity = {"legal_form", *ContactDetails.ALL_IDENTITY_FIELDS}
    address = {
        *ContactDetails.ADDRESS_FIELDS,
        "commune_id",
        "arrondissement_id",
        "departement",
        "country",
        _TYPED_CITY,
    }
    kinds = []
    for name in change.changes:
        if name in identity:
            kind = _("Informations")
        elif name in address:
            kind = _("Adresse")
        elif name.startswith(_PUBLICATION_PREFIX):
            kind = _("Parution dans les annuaires")
        elif name == "rio":
            kind = _("RIO")
        elif name == "state":
            kind = _("État du service")
        else:
            kind = _("Autre modification")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


@dataclass(frozen=True)
class HistoryEntry:
    """One entry as its viewer may read it; `earlier` entries carry no field, author or effect."""

    change: ServiceChange
    earlier: bool
    kinds: list[str]
    actor: str = ""
    fields: tuple[FieldChange, ...] = ()
    outcome: str = ""


def history_entry(change: ServiceChange, viewer, *, owner_since: datetime) -> HistoryEntry:
    """`change` as `viewer`, the account's owner since `owner_since`, may read it."""
    if change.at < owner_since:
        return HistoryEntry(change=change, earlier=True, kinds=change_kinds(change))
    return HistoryEntry(
        change=change,
        earlier=False,
        kinds=change_kinds(change),
        actor=actor_label(change, viewer),
        fields=tuple(describe(change)),
        outcome=Outcome(change.outcome).label if change.outcome in Outcome.values else "",
    )


def actor_label(change: ServiceChange, viewer) -> str:
    """Who made the change, as the customer may know it: never a staff member's name."""
    if change.actor_id is None:
        return _("Système")
    if change.actor_id == viewer.pk:
        return _("Vous (%(username)s)") % {"username": viewer.get_username()}
    if change.actor.is_staff:
        return _("Support client")
    return change.actor.get_username()
