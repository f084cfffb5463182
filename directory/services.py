"""Writes to directory publication. The status changes only here.

Rules (../shared/reference/domain.md, section 3):
- publishing, or changing anything that would be published -> "Synchronisation programmée";
- saving without a change to what would be published keeps the status;
- switching to Non while a listing may be in a directory (`in_directory`) schedules its withdrawal;
- switching to Non while nothing can have been sent leaves (or puts back) a blank status;
- what takes away from a listing (Non, city only, initial only, no reverse search, no
  telemarketing) takes effect at once in our own directory, in the same transaction;
- the first-name-initial option is refused when another listing of the commune would print alike
  (CPCE R.10 3°, initial_homonym); the sync checks it again (directory.staging).

The publication row is locked before anything else of the directory is read or written, as the
sync's batches lock it before sending: a customer's edit and a batch never interleave, so a
cancellation always sees whether the batch sent the listing (directory.sync).
"""

from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from lines.models import ContactDetails, Service

from .listing import LISTING_CHOICE_FIELDS, initial_name_key, listing_for, search_key
from .models import Publication
from .publishers import AnnuairePublisher

# The subscriber's choices, in the order the form shows them.
CHOICE_FIELDS = ("listed", *LISTING_CHOICE_FIELDS)


class Outcome(models.TextChoices):
    """What an edit did to the publication, in the customer's words."""

    PUBLICATION_SCHEDULED = "publish", _("Publication programmée")
    UPDATE_SCHEDULED = "update", _("Mise à jour de la parution programmée")
    WITHDRAWAL_SCHEDULED = "withdraw", _("Retrait de l'annuaire programmé")
    CANCELLED = "cancel", _("Demande de parution annulée")
    UNCHANGED = "unchanged", _("Parution inchangée")


@dataclass(frozen=True)
class PublicationResult:
    outcome: Outcome
    changes: dict  # {"field": [old, new]} of the subscriber's choices
    publication: Publication


class HomonymRefused(Exception):
    """The first-name-initial option asked for a listing that would print like another one of
    its commune (initial_homonym): `message` says so in French, beside the option."""

    def __init__(self, name: str):
        super().__init__(name)
        self.message = _(
            "Avec l'initiale du prénom, vous paraîtriez sous le nom « %(name)s », comme un autre abonné "
            "de votre commune : en cas d'homonymie, l'initiale n'est pas possible (article R.10 du code "
            "des postes et des communications électroniques). Choisissez le prénom complet."
        ) % {"name": name}


def initial_homonym(*, service: Service, commune_id: str | None, last_name: str, first_name: str) -> bool:
    """Whether an individual's listing with the first-name-initial option would print like another
    listing of its commune (CPCE R.10 3°): another individual's, listed and not refused by the
    directories, whose name prints the same initial form, case and accents aside (its own option
    is the initial, or its first name is a lone letter).

    Not a homonym: a service of the same billing account (one subscriber, several lines: they
    choose for themselves) or one with the same full first name (two "Dupont Marie" would print
    alike with their full names too: the initial makes nothing ambiguous that was not). A listing
    the directories refused (status error) is in no directory: it makes no one a homonym, so after
    a race the first of two to save again gets the option. The commune is the INSEE commune, Paris,
    Lyon and Marseille whole: R.10 speaks of the commune, and a city-only listing does not print
    the arrondissement. The sync checks the records it sends only: a listing the directories
    accepted stays accepted until it changes, and a later one racing it is the one refused.

    One indexed lookup (commune, initial_name_key); directory.staging's rejection step is its SQL
    twin (tests/directory/test_staging.py keeps them in step)."""
    key = initial_name_key(last_name, first_name)
    if not key or not commune_id:
        return False
    prints_an_initial = (
        Q(service__publication__name_display=Publication.NameDisplay.INITIAL)
        | Q(first_name_length=1)
        | Q(first_name_length=2, first_name__endswith=".")
    )
    return (
        ContactDetails.objects.filter(
            commune_id=commune_id,
            initial_name_key=key,
            legal_form=ContactDetails.LegalForm.INDIVIDUAL,
            service__publication__listed=True,
        )
        .annotate(first_name_length=Length("first_name"))
        .filter(
            prints_an_initial,
            ~Q(service__publication__status=Publication.Status.ERROR),
            ~Q(service__billing_account_id=service.billing_account_id),
            ~Q(first_name=first_name),
        )
        .exists()
    )


def prints_anew(
    before, name: str, details_before: ContactDetails | None, commune_id: str | None, *, refused: bool
) -> bool:
    """Whether an edit prints `name` where it was not printed before: a listing that appears,
    changes its printed name or moves to another commune, or one the directories `refused` (in
    none of them). Only then is the homonym rule checked: a listing that stays as it was is never
    refused because someone else printed alike later (any other edit, a new e-mail, must still go
    through), as the sync never takes one back."""
    return (
        refused
        or before is None
        or search_key(before.name) != search_key(name)  # a change of case or accents prints nothing new
        or details_before is None
        or details_before.commune_id != commune_id
    )


def publication_of(service: Service) -> Publication:
    """The service's publication, or an unsaved blank one (never listed) if it has none yet."""
    try:
        return service.publication
    except Publication.DoesNotExist:
        return Publication(service=service)


@transaction.atomic
def publication_apply(
    *,
    service: Service,
    choices: dict,
    details_before: ContactDetails | None,
    details_after: ContactDetails | None,
    now,
    options_when_unlisted: bool = False,
) -> PublicationResult:
    """Record the subscriber's directory choices for `service` and move the status by the rules
    above, comparing the listing before and after the edit. `choices` maps CHOICE_FIELDS to values;
    with `listed` False only `listed` is taken, the options keep their last values for next time
    (the panel hides them then), unless `options_when_unlisted`: the API sets the options a script
    sends, published or not, since it sent them on purpose. Unlisted, they change no listing.
    """
    publication = Publication.objects.select_for_update().filter(service=service).first()
    publication = publication or Publication(service=service)
    before = listing_for(details_before, publication)

    wanted = choices if choices.get("listed") or options_when_unlisted else {"listed": False}
    changes = {}
    for field in CHOICE_FIELDS:
        if field in wanted and getattr(publication, field) != wanted[field]:
            changes[field] = [getattr(publication, field), wanted[field]]
            setattr(publication, field, wanted[field])
    after = listing_for(details_after, publication)
    if (
        after is not None
        and details_after.legal_form == ContactDetails.LegalForm.INDIVIDUAL
        and publication.name_display == Publication.NameDisplay.INITIAL
        and prints_anew(
            before,
            after.name,
            details_before,
            details_after.commune_id,
            refused=publication.status == Publication.Status.ERROR,
        )
        and initial_homonym(
            service=service,
            commune_id=details_after.commune_id,
            last_name=details_after.last_name,
            first_name=details_after.first_name,
        )
    ):
        raise HomonymRefused(after.name)

    if before == after:
        outcome = Outcome.UNCHANGED
    elif after is None and not publication.in_directory:
        outcome = Outcome.CANCELLED
        publication.status = Publication.Status.NONE
        publication.error_reason = ""
    else:
        if after is None:
            outcome = Outcome.WITHDRAWAL_SCHEDULED
        elif publication.in_directory:
            outcome = Outcome.UPDATE_SCHEDULED
        else:
            outcome = Outcome.PUBLICATION_SCHEDULED
        publication.status = Publication.Status.SCHEDULED
        publication.revision += 1  # tells a running sync that this record changed after pick-up
        publication.scheduled_at = now
        publication.error_reason = ""

    if changes or outcome != Outcome.UNCHANGED or publication._state.adding:
        publication.save()
    if publication.in_directory and before != after:
        AnnuairePublisher().apply_opt_outs([service.pk])
    return PublicationResult(outcome=outcome, changes=changes, publication=publication)


@transaction.atomic
def publication_requeue(*, service: Service, now) -> tuple[str, str] | None:
    """Put a service's listing (or its withdrawal) back in the queue of the next sync: support's
    answer to "why is my number not in the directory yet?" after a fix on the directories' side.
    Returns the (old, new) status, or None when there is nothing to send (never listed)."""
    publication = Publication.objects.select_for_update().filter(service=service).first()
    if publication is None or not (publication.listed or publication.in_directory):
        return None
    old = publication.status
    publication.status = Publication.Status.SCHEDULED
    publication.revision += 1
    publication.scheduled_at = now
    publication.error_reason = ""
    publication.save(update_fields=["status", "revision", "scheduled_at", "error_reason"])
    return old, publication.status
