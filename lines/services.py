"""Writes to contact details. Views, forms, admin actions and commands call these; nothing else
saves ContactDetails, so every change gets its history row with actor and source."""

import copy
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.services import CHOICE_FIELDS, Outcome, publication_apply, publication_requeue

from .communes import resolve_location
from .models import ContactDetails, Service, ServiceChange

# Every field the customer types or picks, in form order; commune, arrondissement and département
# are derived from postcode and city.
DETAIL_FIELDS = ("legal_form", *ContactDetails.ALL_IDENTITY_FIELDS, *ContactDetails.ADDRESS_FIELDS)
# Derived fields are recorded in the history too: support needs to see a commune change.
_RECORDED_FIELDS = (*DETAIL_FIELDS, "commune_id", "departement")
# A line's description is its own: applying one service's details to others keeps it.
_COPIED_CHOICE_FIELDS = tuple(field for field in CHOICE_FIELDS if field != "line_designation")


class ServiceNotEditable(Exception):
    pass


@dataclass(frozen=True)
class ApplyResult:
    service: Service
    changed: bool
    outcome: Outcome | None  # None when the service could not be changed
    error: str = ""


def _recorded(details: ContactDetails | None) -> dict:
    if details is None:
        return {}
    return {field: getattr(details, field) for field in _RECORDED_FIELDS}


def _values(details: ContactDetails) -> dict:
    """The details as contact_details_apply takes them: to re-apply them elsewhere, or as they are."""
    return {field: getattr(details, field) for field in DETAIL_FIELDS}


def _record(*, service, actor, source, changes, outcome, now) -> ServiceChange:
    return ServiceChange.objects.create(
        service=service, at=now, actor=actor, source=source, changes=changes, outcome=outcome.value
    )


@transaction.atomic
def contact_details_apply(
    *,
    service: Service,
    details: dict,
    publication: dict,
    actor,
    source: str = ServiceChange.Source.PANEL,
    now=None,
) -> ApplyResult:
    """Save a service's contact details and directory choices in one step.

    `details` maps DETAIL_FIELDS to cleaned values (a form has validated them); fields that the
    legal form does not use are blanked. Commune, arrondissement and département are derived from
    postcode and city, and a pair that does not resolve raises LocationError. The publication
    status follows directory.services' rules; one history row records every field that changed.
    """
    now = now or timezone.now()
    # FOR NO KEY UPDATE: serialises the edits of one service without blocking a sync batch that
    # records a delivery (a foreign key to the service) while this edit waits for the batch.
    service = Service.objects.select_for_update(no_key=True).get(pk=service.pk)
    if service.state != Service.State.ACTIVE:
        raise ServiceNotEditable(
            _("Ce service est résilié : ses coordonnées ne peuvent plus être modifiées.")
        )
    current = ContactDetails.objects.filter(service=service).first()
    before = copy.copy(current)

    edited = current or ContactDetails(service=service)
    used = ContactDetails.IDENTITY_FIELDS[details["legal_form"]]
    for field in DETAIL_FIELDS:
        value = details.get(field, "")
        if field in ContactDetails.ALL_IDENTITY_FIELDS and field not in used:
            value = ""
        if field == "street_number" and value == "":
            value = None
        setattr(edited, field, value)
    location = resolve_location(edited.postcode, edited.city)
    edited.commune = location.commune
    edited.arrondissement = location.arrondissement
    edited.departement = location.departement

    old, new = _recorded(before), _recorded(edited)
    # A blank field and a missing one read the same: only real changes are recorded.
    changes = {
        field: [old.get(field), new[field]]
        for field in _RECORDED_FIELDS
        if (old.get(field) or None) != (new[field] or None)
    }
    if changes:
        edited.updated_at = now
        edited.updated_by = actor
        edited.save()

    result = publication_apply(
        service=service,
        choices=publication,
        details_before=before,
        details_after=edited,
        now=now,
    )
    changes.update({f"publication.{field}": values for field, values in result.changes.items()})
    if changes:
        _record(service=service, actor=actor, source=source, changes=changes, outcome=result.outcome, now=now)
    return ApplyResult(service=service, changed=bool(changes), outcome=result.outcome)


def contact_details_copy(*, source_service: Service, targets, actor, now=None) -> list[ApplyResult]:
    """Apply one service's contact details and directory choices (not its line description) to
    other services, each in its own transaction, and say what happened to each."""
    now = now or timezone.now()
    details = ContactDetails.objects.get(service=source_service)
    details_values = _values(details)
    source_publication = getattr(source_service, "publication", None)
    choices = (
        {field: getattr(source_publication, field) for field in _COPIED_CHOICE_FIELDS}
        if source_publication
        else {"listed": False}
    )
    results = []
    for target in targets:
        try:
            target_publication = getattr(target, "publication", None)
            target_choices = {
                **choices,
                "line_designation": target_publication.line_designation if target_publication else "",
            }
            results.append(
                contact_details_apply(
                    service=target,
                    details=details_values,
                    publication=target_choices,
                    actor=actor,
                    source=ServiceChange.Source.BULK,
                    now=now,
                )
            )
        except ServiceNotEditable as error:
            results.append(ApplyResult(service=target, changed=False, outcome=None, error=str(error)))
    return results


def publication_withdraw(
    *, service: Service, actor, source=ServiceChange.Source.ADMIN, now=None
) -> ApplyResult:
    """Take a service out of the directories at its subscriber's request (support): publication
    Non, under the same rules and history as the customer's own edit."""
    details = ContactDetails.objects.filter(service=service).first()
    if details is None:  # nothing was ever publishable
        return ApplyResult(service=service, changed=False, outcome=Outcome.UNCHANGED)
    return contact_details_apply(
        service=service,
        details=_values(details),
        publication={"listed": False},
        actor=actor,
        source=source,
        now=now,
    )


@transaction.atomic
def publication_requeue_by_support(*, service: Service, actor, now=None) -> bool:
    """Re-queue a service for the next sync (directory.services.publication_requeue) and record
    who asked in the service's history."""
    now = now or timezone.now()
    moved = publication_requeue(service=service, now=now)
    if moved is None:
        return False
    _record(
        service=service,
        actor=actor,
        source=ServiceChange.Source.ADMIN,
        changes={"publication.status": list(moved)},
        outcome=Outcome.UPDATE_SCHEDULED,
        now=now,
    )
    return True


@transaction.atomic
def service_terminate(*, service: Service, actor, now=None) -> bool:
    """Terminate a service (the ordering system's or a superuser's decision): it leaves the
    directories at the next sync, its emergency location is removed from the next feed, and
    its details are frozen. Returns False if it was already terminated."""
    now = now or timezone.now()
    service = Service.objects.select_for_update(no_key=True).get(pk=service.pk)  # see contact_details_apply
    if service.state == Service.State.TERMINATED:
        return False
    details = ContactDetails.objects.filter(service=service).first()
    result = publication_apply(
        service=service, choices={"listed": False}, details_before=details, details_after=details, now=now
    )
    service.state, service.terminated_at = Service.State.TERMINATED, now
    service.save(update_fields=["state", "terminated_at"])
    changes = {"state": [Service.State.ACTIVE.value, Service.State.TERMINATED.value]}
    changes.update({f"publication.{field}": values for field, values in result.changes.items()})
    _record(service=service, actor=actor, source=ServiceChange.Source.ADMIN, changes=changes,
            outcome=result.outcome, now=now)  # fmt: skip
    return True
