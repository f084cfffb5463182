"""How a history entry reads: field labels and values in the customer's language."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from directory.models import Publication

from .models import ContactDetails, Service, ServiceChange

_PUBLICATION_PREFIX = "publication."


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
    for name, (old, new) in change.changes.items():
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


def actor_label(change: ServiceChange, viewer) -> str:
    """Who made the change, as the customer may know it: never a staff member's name."""
    if change.actor_id is None:
        return _("Système")
    if change.actor_id == viewer.pk:
        return _("Vous (%(username)s)") % {"username": viewer.get_username()}
    if change.actor.is_staff:
        return _("Support client")
    return change.actor.get_username()
