"""Writes to contact details. Views, forms, admin actions and commands call these; nothing else
saves ContactDetails, so every change gets its history row with actor and source."""

import copy
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.services import CHOICE_FIELDS, HomonymRefused, Outcome, publication_apply, publication_requeue

from .communes import LocationError, WrongTerritory, city_to_resolve, official_city, resolve_location
from .models import BulkApplyJob, BulkApplyTarget, ContactDetails, Service, ServiceChange
from .names import PRINTED_NAME_FIELDS, capitalised_details
from .phone import overseas_territory
from .portability import rio_issue

logger = logging.getLogger(__name__)

# Every field the customer types or picks, in form order; commune, arrondissement and département
# are derived from postcode and city.
DETAIL_FIELDS = ("legal_form", *ContactDetails.ALL_IDENTITY_FIELDS, *ContactDetails.ADDRESS_FIELDS)
# Derived fields are recorded in the history too: support needs to see a commune change.
_RECORDED_FIELDS = (*DETAIL_FIELDS, "commune_id", "departement")
# The city as the customer typed it, beside the official name stored ("saint etienne" for
# "Saint-Étienne"): recorded in the history row, never stored in ContactDetails nor published.
TYPED_CITY = "city_typed"
# A line's description is its own: applying one service's details to others keeps it.
_COPIED_CHOICE_FIELDS = tuple(field for field in CHOICE_FIELDS if field != "line_designation")


class ServiceNotEditable(Exception):
    pass


class AddressChangedMeanwhile(Exception):
    """The stored address is no longer the one a data command read (contact_details_apply's
    `expected_address`): someone edited it meanwhile, and that edit wins."""


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


def _record(*, service, actor, source, changes, outcome, now, application="") -> ServiceChange:
    return ServiceChange.objects.create(
        service=service,
        at=now,
        actor=actor,
        source=source,
        application=application,
        changes=changes,
        outcome=outcome.value,
    )


def address_location(*, service: Service, postcode: str, city: str, chosen_commune: str = "", stored=None):
    """Where contact_details_apply will place `service`'s installation address (a lines.communes.
    Location), or the LocationError it will raise: for a form to say so beside its fields before
    saving (the admin cannot show an exception raised while saving). `stored` is the service's
    contact details as saved (lines.communes.city_to_resolve)."""
    # The stored arrondissement's name sent back unchanged with a new postcode is a move within
    # Paris, Lyon or Marseille (lines.communes.city_to_resolve), not what the customer typed.
    location = resolve_location(postcode, city_to_resolve(postcode, city, stored), chosen=chosen_commune)
    territory = overseas_territory(str(service.number))
    if territory and location.departement not in territory.departements:
        # Emergency calls from an overseas number are routed in its territory.
        raise WrongTerritory(
            _("Ce numéro est attribué pour %(territory)s : son adresse d'installation doit s'y trouver.")
            % {"territory": territory.name}
        )
    return location


@transaction.atomic
def contact_details_apply(
    *,
    service: Service,
    details: dict,
    publication: dict,
    actor,
    source: str = ServiceChange.Source.PANEL,
    application: str = "",
    options_when_unlisted: bool = False,
    chosen_commune: str = "",
    resolve_again: bool = False,
    expected_address: tuple | None = None,
    now=None,
) -> ApplyResult:
    """Save a service's contact details and directory choices in one step.

    `details` maps DETAIL_FIELDS to cleaned values (a form has validated them); fields that the
    legal form does not use are blanked. Commune, arrondissement and département are derived from
    postcode and city (or `chosen_commune`, an INSEE code the customer picked among the postcode's
    communes when the city named none or several), and a pair that does not resolve raises
    LocationError. The city stored, and so published, is the official name (lines.communes.
    official_city); what the customer typed, when it differs, is kept in the history row.
    `resolve_again` resolves an unchanged address too (addresses_resolve), and `expected_address`,
    the (postcode, city, commune_id) the caller computed from, raises AddressChangedMeanwhile when
    the stored address is no longer that once the service is locked. The publication
    status follows directory.services' rules; one history row records every field that changed,
    with its source and, for the API, the customer's application by name (and the options it
    sends kept even unlisted: directory.services.publication_apply).

    Names typed entirely in lower or upper case are stored in their usual capitalisation
    (lines.names): what is stored is what the directories print and the preview shows, and the
    history records it like any other change.
    """
    now = now or timezone.now()
    details = capitalised_details(details)
    # FOR NO KEY UPDATE: serialises the edits of one service without blocking a sync batch that
    # records a delivery (a foreign key to the service) while this edit waits for the batch.
    service = Service.objects.select_for_update(no_key=True).get(pk=service.pk)
    if service.state != Service.State.ACTIVE:
        raise ServiceNotEditable(
            _("Ce service est résilié : ses coordonnées ne peuvent plus être modifiées.")
        )
    current = ContactDetails.objects.filter(service=service).first()
    if expected_address is not None and (
        current is None or (current.postcode, current.city, current.commune_id) != tuple(expected_address)
    ):
        # Checked under the lock: an edit committed since the caller read the address is kept.
        raise AddressChangedMeanwhile
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
    typed_city = edited.city
    unchanged_address = (
        before is not None
        and before.commune_id
        and (before.postcode, before.city)
        == (
            edited.postcode,
            edited.city,
        )
    )
    if resolve_again or not unchanged_address:
        # Only an address that changes is resolved again: a record saved under an older, looser
        # rule (a city spelling refused today) must never stop a withdrawal or another change.
        location = address_location(
            service=service,
            postcode=edited.postcode,
            city=edited.city,
            chosen_commune=chosen_commune,
            stored=before,
        )
        resolved_city = city_to_resolve(edited.postcode, edited.city, before)
        edited.commune = location.commune
        edited.arrondissement = location.arrondissement
        edited.departement = location.departement
        edited.city = official_city(location)
        if resolved_city != typed_city:
            typed_city = edited.city  # nothing typed: the history shows the move, no "saisi"

    old, new = _recorded(before), _recorded(edited)
    # A blank field and a missing one read the same: only real changes are recorded.
    changes = {
        field: [old.get(field), new[field]]
        for field in _RECORDED_FIELDS
        if (old.get(field) or None) != (new[field] or None)
    }
    if "city" in changes and typed_city != edited.city:
        changes[TYPED_CITY] = [None, typed_city]
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
        options_when_unlisted=options_when_unlisted,
    )
    changes.update({f"publication.{field}": values for field, values in result.changes.items()})
    if changes:
        _record(service=service, actor=actor, source=source, changes=changes, outcome=result.outcome,
                now=now, application=application)  # fmt: skip
    if not service.rio:  # its first contact details: the RIO is issued now, never by a page
        rio_issue(service, legal_form=edited.legal_form)
    return ApplyResult(service=service, changed=bool(changes), outcome=result.outcome)


def _copied_values(source_service: Service) -> tuple[dict, dict]:
    """What applying `source_service` to others copies: its contact details as
    contact_details_apply takes them, and its directory choices but its line description."""
    details = ContactDetails.objects.get(service=source_service)
    source_publication = getattr(source_service, "publication", None)
    choices = (
        {field: getattr(source_publication, field) for field in _COPIED_CHOICE_FIELDS}
        if source_publication
        else {"listed": False}
    )
    return _values(details), choices


def _copy_to(*, target: Service, details: dict, choices: dict, actor, now) -> ApplyResult:
    """One target of a copy, in its own transaction (a savepoint inside a job's chunk): the target
    keeps its own line description; everything else goes through contact_details_apply."""
    with transaction.atomic():
        target_publication = getattr(target, "publication", None)
        target_choices = {
            **choices,
            "line_designation": target_publication.line_designation if target_publication else "",
        }
        return contact_details_apply(
            service=target,
            details=details,
            publication=target_choices,
            actor=actor,
            source=ServiceChange.Source.BULK,
            now=now,
        )


def contact_details_copy(*, source_service: Service, targets, actor, now=None) -> list[ApplyResult]:
    """Apply one service's contact details and directory choices (not its line description) to
    other services, each in its own transaction, and say what happened to each. In one go: the
    panel goes through bulk_apply_start instead, which does the same in a background task."""
    now = now or timezone.now()
    details_values, choices = _copied_values(source_service)
    results = []
    for target in targets:
        try:
            results.append(
                _copy_to(target=target, details=details_values, choices=choices, actor=actor, now=now)
            )
        except ServiceNotEditable as error:
            results.append(ApplyResult(service=target, changed=False, outcome=None, error=str(error)))
        except (WrongTerritory, HomonymRefused) as refused:
            results.append(
                ApplyResult(service=target, changed=False, outcome=None, error=str(refused.message))
            )
    return results


# --- "Apply to other services" as a background job -------------------------------------------------

BULK_CHUNK_SIZE = 100  # targets per transaction: a few seconds of locks at most
BULK_TASK_BUDGET = 60  # seconds one task works before handing the rest to a fresh task


@transaction.atomic
def bulk_apply_start(*, source: Service, targets, actor) -> BulkApplyJob:
    """Record a job applying `source`'s contact details and directory choices, as they are now, to
    `targets` (services the caller has checked: the source's account, active), and queue its task
    once this transaction commits. The request returns at once; bulk_apply_job_process does it."""
    details, choices = _copied_values(source)
    targets = sorted({target.pk for target in targets})  # the id order locks are taken in elsewhere
    job = BulkApplyJob.objects.create(
        owner=actor, source=source, details=details, choices=choices, total=len(targets)
    )
    BulkApplyTarget.objects.bulk_create(
        (BulkApplyTarget(job=job, service_id=service_id) for service_id in targets), batch_size=1000
    )
    transaction.on_commit(lambda: bulk_apply_queue(job.pk))
    return job


def bulk_apply_queue(job_id: int) -> None:
    """Hand a job to a worker. The job is already recorded: if the broker cannot take it now, the
    customer still gets the job's page, and the sweep (bulk_apply_jobs_stalled) queues it again."""
    from .tasks import bulk_apply_run  # the tasks module imports this one

    try:
        bulk_apply_run.delay(job_id)
    except Exception as error:  # the broker is down or refuses: the sweep will try again
        logger.error("bulk apply job %s not queued (%s): left to the sweep", job_id, type(error).__name__)


BULK_STALLED_AFTER = timedelta(minutes=10)  # no target applied for this long: queued again
BULK_GIVEN_UP_AFTER = timedelta(days=1)  # a job that never got anywhere in a day is closed


def bulk_apply_jobs_stalled(*, now=None) -> list[int]:
    """The jobs in progress that nothing has advanced for BULK_STALLED_AFTER (a lost message, a
    worker killed, a broker that was down), to be queued again; those older than
    BULK_GIVEN_UP_AFTER are closed as interrupted instead (bulk_apply_job_fail)."""
    now = now or timezone.now()
    stalled = (
        BulkApplyJob.objects.filter(
            state__in=[BulkApplyJob.State.QUEUED, BulkApplyJob.State.RUNNING],
            created_at__lt=now - BULK_STALLED_AFTER,
        )
        .annotate(last_applied=Max("targets__processed_at"))
        .filter(Q(last_applied__isnull=True) | Q(last_applied__lt=now - BULK_STALLED_AFTER))
    )
    requeue = []
    for job_id, created_at in stalled.values_list("pk", "created_at"):
        if created_at < now - BULK_GIVEN_UP_AFTER:
            logger.error("bulk apply job %s made no progress in a day: closed as interrupted", job_id)
            bulk_apply_job_fail(job_id)
        else:
            requeue.append(job_id)
    return requeue


def _target_error(job: BulkApplyJob, service: Service | None) -> str:
    """Why a target may not be applied now, or "": it must still be an active service of the
    source's account, and that account still the job owner's."""
    if service is None:
        return str(_("Ce service n'existe plus."))
    if service.billing_account_id != job.source.billing_account_id or (
        service.billing_account.owner_id != job.owner_id
    ):
        return str(_("Ce service ne fait plus partie de ce compte."))
    return ""


@transaction.atomic
def _bulk_apply_chunk(job_id: int, chunk_size: int) -> bool:
    """Apply the next `chunk_size` pending targets of a job in one transaction; True while some
    remain. A target leaves `pending` in the transaction that applies it, so a redelivered task,
    or two deliveries at once, never apply one twice."""
    now = timezone.now()
    # This first write takes the job's lock (its row on PostgreSQL, the database on SQLite) before
    # anything is read: deliveries of one job take turns, each seeing what the last one committed.
    locked = BulkApplyJob.objects.filter(
        pk=job_id, state__in=[BulkApplyJob.State.QUEUED, BulkApplyJob.State.RUNNING]
    )
    if not locked.update(state=BulkApplyJob.State.RUNNING):
        return False  # finished, failed or gone
    job = BulkApplyJob.objects.select_related("source__billing_account", "owner").get(pk=job_id)
    if job.started_at is None:
        job.started_at = now
    pending = list(
        job.targets.filter(result=BulkApplyTarget.Result.PENDING)
        .select_related("service__billing_account", "service__publication")
        .order_by("pk")[:chunk_size]
    )
    failed = 0
    for target in pending:
        error = _target_error(job, target.service)
        result = None
        if not error:
            try:
                result = _copy_to(
                    target=target.service, details=job.details, choices=job.choices, actor=job.owner, now=now
                )
            except ServiceNotEditable as refused:
                error = str(refused)
            except (WrongTerritory, HomonymRefused) as refused:
                error = str(refused.message)
            except LocationError:
                error = str(_("L'adresse appliquée ne correspond à aucune commune."))
            except SoftTimeLimitExceeded:
                raise  # the task is out of time: this chunk rolls back whole and is done again
            except Exception as unexpected:  # rolled back to its savepoint: the others go on
                # The class only: a database message may quote the contact details.
                logger.warning("bulk apply job %s: service %s not changed (%s)", job.pk,
                               target.service_id, type(unexpected).__name__)  # fmt: skip
                error = str(_("Erreur technique : ce service n'a pas été modifié."))
        if error:
            failed += 1
            target.result, target.error = BulkApplyTarget.Result.FAILED, error[:300]
        elif result.changed:
            target.result, target.outcome = BulkApplyTarget.Result.CHANGED, result.outcome.value
        else:
            target.result = BulkApplyTarget.Result.UNCHANGED
        target.processed_at = now
    BulkApplyTarget.objects.bulk_update(pending, ["result", "outcome", "error", "processed_at"])
    job.done = F("done") + len(pending)
    job.failed = F("failed") + failed
    remaining = job.targets.filter(result=BulkApplyTarget.Result.PENDING).exists()
    if not remaining:
        job.state, job.finished_at = BulkApplyJob.State.FINISHED, now
    job.save(update_fields=["state", "started_at", "finished_at", "done", "failed"])
    return remaining


def bulk_apply_job_process(
    job_id: int, *, chunk_size=BULK_CHUNK_SIZE, budget=BULK_TASK_BUDGET, chunks=None
) -> bool:
    """Work through a job chunk after chunk for about `budget` seconds (or `chunks` chunks); True
    once nothing is left. Safe to run again, and at the same time as another delivery."""
    started = time.monotonic()
    done = 0
    while _bulk_apply_chunk(job_id, chunk_size):
        done += 1
        if (chunks is not None and done >= chunks) or time.monotonic() - started >= budget:
            return False
    return True


def bulk_apply_job_fail(job_id: int) -> None:
    """The task gave up (the database kept failing): the job is closed as interrupted; what was
    applied stays applied, the rest is left pending and shown as not done."""
    BulkApplyJob.objects.filter(
        pk=job_id, state__in=[BulkApplyJob.State.QUEUED, BulkApplyJob.State.RUNNING]
    ).update(state=BulkApplyJob.State.FAILED, finished_at=timezone.now())


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


def contact_details_recapitalise(
    *, service: Service, actor=None, source=ServiceChange.Source.SYSTEM, now=None
) -> ApplyResult:
    """Save a service's stored details again, so that names stored before lines.names existed
    ("DUPONT", "jean-pierre") get their usual capitalisation: for the command that corrects
    existing records. Nothing changes silently: through contact_details_apply, a corrected record
    gets its history row and, where its listing changes, is scheduled for the next sync. Raises
    what contact_details_apply raises (a terminated service: ServiceNotEditable; an initial-only
    listing that now has a homonym: directory.services.HomonymRefused), for the caller to report.
    """
    details = ContactDetails.objects.filter(service=service).first()
    if details is None:
        return ApplyResult(service=service, changed=False, outcome=Outcome.UNCHANGED)
    return contact_details_apply(service=service, details=_values(details), publication=_stored_choices(service),
                                 actor=actor, source=source, now=now)  # fmt: skip


def _stored_choices(service: Service) -> dict:
    """The service's directory choices as contact_details_apply takes them: to save it again."""
    publication = getattr(service, "publication", None)
    return (
        {field: getattr(publication, field) for field in CHOICE_FIELDS} if publication else {"listed": False}
    )


def _tally(report, result: ApplyResult) -> None:
    """Count a record a data command saved again: corrected, and scheduled where it changed."""
    if result.changed:
        report.corrected += 1
        if result.outcome not in {Outcome.UNCHANGED, Outcome.CANCELLED}:
            report.scheduled += 1


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


# --- Stored addresses re-resolved to the official names (manage.py resolve_addresses) ------------


@dataclass
class AddressResolution:
    """What addresses_resolve did: records `examined`, `corrected` (each with its history row,
    and scheduled for the next sync where its listing changed), the service ids of those
    `unresolved` (the postcode and city name no commune, or an overseas number's address is
    outside its territory), for ops to chase, `changed_meanwhile` (edited while the command ran:
    left as edited), and the `distinct` (postcode, city) pairs resolved."""

    examined: int = 0
    corrected: int = 0
    scheduled: int = 0
    unresolved: list = None
    changed_meanwhile: int = 0
    distinct: int = 0

    def __post_init__(self):
        self.unresolved = []


def addresses_resolve(*, batch_size: int = 500, progress=None, now=None) -> AddressResolution:
    """Re-resolve the address of every active service to the official commune name (and
    arrondissement), through contact_details_apply with source Système, so that each corrected
    record gets its history row (the old city, as typed, stays in it) and its publication follows
    directory.services' rules. Each distinct (postcode, city) is resolved once, and only records
    that differ from the resolution are written: a second run changes nothing.

    The records are walked by service id (the primary key) in batches of `batch_size`, each
    (postcode, city) resolved once through a cache: one indexed range read per batch, where a
    query per distinct pair would scan the table for each of Paris's thousands of spellings.
    `progress(done, total, report)` is called after each batch, in records."""
    now = now or timezone.now()
    report = AddressResolution()
    active = ContactDetails.objects.filter(service__state=Service.State.ACTIVE)
    total = active.count()
    resolved: dict[tuple[str, str], tuple | None] = {}
    last = None
    while True:
        batch = active.order_by("pk")
        if last is not None:
            batch = batch.filter(pk__gt=last)
        # A list, not a cursor: nothing is left open across the writes below.
        rows = list(
            batch.values_list("pk", "postcode", "city", "commune_id", "arrondissement_id")[:batch_size]
        )
        if not rows:
            break
        for service_id, postcode, city, commune_id, arrondissement_id in rows:
            report.examined += 1
            if (postcode, city) not in resolved:
                try:
                    location = resolve_location(postcode, city)
                except LocationError:
                    resolved[(postcode, city)] = None
                else:
                    resolved[(postcode, city)] = (
                        official_city(location),
                        location.commune.code,
                        getattr(location.arrondissement, "code", None),
                    )
            wanted = resolved[(postcode, city)]
            if wanted is None:
                report.unresolved.append(service_id)
            elif (city, commune_id, arrondissement_id) != wanted:
                _address_resolve_one(service_id, wanted[0], (postcode, city, commune_id), report, now)
        last = rows[-1][0]
        report.distinct = len(resolved)
        if progress:
            progress(report.examined, total, report)
    return report


def _address_resolve_one(service_id: int, city: str, expected: tuple, report: AddressResolution, now) -> None:
    """Save one record with its official city, unless its address is no longer `expected` (the
    (postcode, city, commune_id) the city was computed from): the customer's edit made meanwhile
    wins. The record is read under the service's lock, so no other field is saved stale either."""
    try:
        with transaction.atomic():
            service = Service.objects.select_for_update(no_key=True).get(pk=service_id)
            details = ContactDetails.objects.get(service=service)
            result = contact_details_apply(
                service=service,
                details={**_values(details), "city": city},
                publication=_stored_choices(service),
                actor=None,
                source=ServiceChange.Source.SYSTEM,
                resolve_again=True,
                expected_address=expected,
                now=now,
            )
    except (AddressChangedMeanwhile, ContactDetails.DoesNotExist):
        report.changed_meanwhile += 1
        return
    except (LocationError, ServiceNotEditable, HomonymRefused):
        # WrongTerritory is a LocationError; a service terminated meanwhile; an initial-only
        # listing that the official commune makes a homonym of another: support decides.
        report.unresolved.append(service_id)
        return
    _tally(report, result)


# --- Stored names recapitalised (manage.py recapitalise_names) --------------------------------


@dataclass
class NameRecapitalisation:
    """What names_recapitalise did: records `examined`, `corrected` (each with its history row,
    scheduled for the next sync where its listing changed), and the service ids `refused` (an
    initial-only listing the directories refused that would print as a homonym, a service
    terminated meanwhile), for support to chase."""

    examined: int = 0
    corrected: int = 0
    scheduled: int = 0
    refused: list = None

    def __post_init__(self):
        self.refused = []


def names_recapitalise(*, batch_size: int = 1000, progress=None, now=None) -> NameRecapitalisation:
    """Give the names stored before lines.names existed ("DUPONT", "jean-pierre", "boulangerie
    martin") their usual capitalisation, for every active service, through
    contact_details_recapitalise: each corrected record gets its history row (source Système) and,
    where its published listing changes, is scheduled for the next sync. Reads the candidates by
    service id in batches of `batch_size` (no cursor open across the writes); a second run changes
    nothing. `progress(done, report)` is called after each batch."""
    now = now or timezone.now()
    report = NameRecapitalisation()
    # Every record is read (its printed names only): lines.names decides, as no SQL filter can
    # tell a name typed in one case from "de GAULLE" or "Élodie" on every database.
    candidates = ContactDetails.objects.filter(service__state=Service.State.ACTIVE)
    after = 0
    while True:
        batch = list(
            candidates.filter(service_id__gt=after)
            .order_by("service_id")
            .values("service_id", *PRINTED_NAME_FIELDS)[:batch_size]
        )
        if not batch:
            return report
        for row in batch:
            service_id = row.pop("service_id")
            report.examined += 1
            if capitalised_details(row) == row:
                continue
            try:
                service = Service.objects.select_related("publication").get(pk=service_id)
                result = contact_details_recapitalise(service=service, now=now)
            except (ServiceNotEditable, HomonymRefused, LocationError):
                report.refused.append(service_id)
                continue
            _tally(report, result)
        after = service_id
        if progress:
            progress(after, report)
