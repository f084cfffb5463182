"""Portability: each service's RIO, and the check of a port-out request against our data.

The donor operator may refuse a port only for incomplete or wrong data, an inactive number or a
port already under way (../shared/reference/domain.md, section 5): those are the grounds below.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.listing import search_key

from .models import ContactDetails, PortOutCheck, Service, ServiceChange
from .phone import Category, complete_number, describe
from .rio import (
    MalformedRio,
    build_rio,
    contract_type_for,
    key_matches,
    new_reference,
    normalise_rio,
    parse_rio,
    typo_hints,
)

Ground = PortOutCheck.Ground


def no_rio_reason(number) -> str | None:
    """Why a number carries no RIO, in French for its holder and support; None when it carries one.

    The RIO's key is defined over a 10-digit national number (ARCEP decision annex), so every
    number of the 10-digit plan carries one, overseas numbers included (their key is computed over
    their national form, `0590201234`). M2M numbers (07 00, 14 digits) and Saint-Pierre-et-Miquelon's
    six-digit numbers have no such form, and padding or cutting them would give a key no receiving
    operator computes the same way: rather than invent one, they get none, and the reason says
    so. A number outside the French plan (foreign, +269 the Comoros') carries none either, nor does
    a +33 number stored in a range the plan gives an overseas zone (its real number is under the
    zone's code: the key of the wrong number would be issued).
    """
    described = describe(str(number))
    if described.misplaced_in is not None:
        return _(
            "Ce numéro est enregistré sous l'indicatif +33, mais sa tranche est attribuée pour "
            "%(territory)s : il n'a pas de RIO tant que le numéro n'est pas corrigé."
        ) % {"territory": described.misplaced_in.name}
    if described.category == Category.OUTSIDE:
        return _("Ce numéro n'appartient pas au plan de numérotation français : il n'a pas de RIO.")
    if described.category == Category.M2M:
        return _(
            "Les numéros M2M (07 00, 14 chiffres) n'ont pas de RIO : la clé du RIO se calcule sur un "
            "numéro national à 10 chiffres."
        )
    if not described.ten_digits:
        return _(
            "Les numéros à 6 chiffres de Saint-Pierre-et-Miquelon n'ont pas de RIO : la clé du "
            "RIO se calcule sur un numéro national à 10 chiffres."
        )
    return None


def carries_rio(service: Service) -> bool:
    return no_rio_reason(service.number) is None


def _national(service: Service) -> str:
    """The 10 national digits the RIO's key is computed over: `0590201234` for +590590201234."""
    return describe(str(service.number)).national


def _issue(service: Service, legal_form: str | None = None) -> str:
    if legal_form is None:
        details = ContactDetails.objects.filter(service=service).only("legal_form").first()
        legal_form = details.legal_form if details else None
    business = legal_form is not None and legal_form != ContactDetails.LegalForm.INDIVIDUAL
    # Only numbers of the 10-digit plan get here (carries_rio): the first national digit is their
    # category (lines.phone), which is what contract_type_for reads.
    contract_type = contract_type_for(_national(service), business=business)
    return build_rio(settings.RIO_OPERATOR_CODE, contract_type, new_reference(), _national(service))


@transaction.atomic
def rio_issue(service: Service, *, legal_form: str | None = None) -> str:
    """Issue the service's RIO if it has none, and return it: a write, never done by a page.

    The service layer calls it in the transaction that first saves the service's contact details
    (lines.services.contact_details_apply), so the contract type follows that legal form
    (`legal_form`, else the stored one); services that had details before got theirs from
    migration 0008. Once issued it is kept across edits; only rio_regenerate replaces it. Pages
    read `service.rio` and never call this. Returns "" for a number that carries no RIO.
    """
    if service.rio or not carries_rio(service):
        return service.rio
    # FOR NO KEY UPDATE, like contact_details_apply (which already holds it when it calls this).
    locked = Service.objects.select_for_update(no_key=True).get(pk=service.pk)
    if not locked.rio:
        locked.rio = _issue(locked, legal_form)
        locked.save(update_fields=["rio"])
    service.rio = locked.rio
    return service.rio


@transaction.atomic
def rio_regenerate(*, service: Service, actor, source=ServiceChange.Source.ADMIN, now=None) -> str | None:
    """A new RIO for the service (its holder asked for one), recorded in the service's history.
    None, and nothing changes, for a service that has none to replace: a number we do not port
    with a RIO (carries_rio), or one whose RIO is not issued yet (no contact details)."""
    now = now or timezone.now()
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not locked.rio or not carries_rio(locked):
        return None
    old = locked.rio
    locked.rio = _issue(locked)
    locked.save(update_fields=["rio"])
    ServiceChange.objects.create(
        service=locked, at=now, actor=actor, source=source, changes={"rio": [old, locked.rio]}
    )
    service.rio = locked.rio
    return locked.rio


@dataclass(frozen=True)
class PortOutResult:
    eligible: bool
    ground: str
    message: str
    hints: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "ground": self.ground,
            "message": self.message,
            "hints": self.hints,
        }


# ARCEP decision 2013-0830: a fixed number (geographic 01 to 05, non-geographic 09) may be ported
# for 40 calendar days after its contract ends; a mobile or special number, only while active.
FIXED_PORTABLE_AFTER_TERMINATION_DAYS = 40


def still_portable(service: Service, *, today) -> bool:
    """Active, or a fixed number terminated at most 40 calendar days ago (`today` is Paris' date)."""
    if service.state == Service.State.ACTIVE:
        return True
    fixed = describe(str(service.number)).category in (Category.GEOGRAPHIC, Category.NON_GEOGRAPHIC)
    ended = service.terminated_at and timezone.localdate(service.terminated_at)
    return bool(fixed and ended and (today - ended).days <= FIXED_PORTABLE_AFTER_TERMINATION_DAYS)


def _identity_mismatch(details: ContactDetails | None, holder_name: str, siret: str, postcode: str) -> bool:
    """Only what was given is compared; a name matches when it holds the holder's last name
    (individuals) or company name, case, accents and word order aside."""
    if details is None:
        return bool(holder_name or siret or postcode)
    if holder_name:
        given = set(search_key(holder_name).split())
        if details.legal_form == ContactDetails.LegalForm.INDIVIDUAL:
            expected = set(search_key(details.last_name).split())
        else:
            expected = set(search_key(details.company_name).split())
        if not expected or not expected <= given:
            return True
    digits = "".join(char for char in siret if char.isdigit())
    if digits and digits != details.siret and digits != details.siret[:9]:
        return True
    return bool(postcode.strip()) and postcode.replace(" ", "") != details.postcode


def port_out_check(
    *, number: str, rio: str, holder_name="", siret="", postcode="", channel: str, checked_by: str
):
    """Eligible, or the ground for refusing, with hints when the RIO looks mistyped. Logged."""
    e164 = complete_number(number or "")  # an overseas number typed nationally included
    service = None
    if e164:
        service = Service.objects.filter(number=e164).select_related("contact_details").first()
    hints: list[str] = []
    if service is None:
        ground = Ground.UNKNOWN_NUMBER
    elif not still_portable(service, today=timezone.localdate()):
        ground = Ground.INACTIVE_NUMBER
    elif reason := no_rio_reason(service.number):
        # No RIO can be this number's: the key would be computed over digits it does not have.
        ground, hints = Ground.RIO_NOT_THIS_NUMBER, [str(reason)]
    else:
        try:
            parts = parse_rio(rio or "")
        except MalformedRio as malformed:
            ground, hints = (
                Ground.MALFORMED_RIO,
                [malformed.reason, *typo_hints(rio or "", _national(service))],
            )
        else:
            if not key_matches(parts, _national(service)):
                ground, hints = Ground.KEY_MISMATCH, typo_hints(rio, _national(service))
            elif not service.rio or normalise_rio(rio) != service.rio:
                ground = Ground.RIO_NOT_THIS_NUMBER
            elif service.port_out_pending_since:
                ground = Ground.PORT_PENDING
            elif _identity_mismatch(getattr(service, "contact_details", None), holder_name, siret, postcode):
                ground = Ground.IDENTITY_MISMATCH
            else:
                ground = Ground.ELIGIBLE
    eligible = ground == Ground.ELIGIBLE
    PortOutCheck.objects.create(
        at=timezone.now(),
        number=(e164 or number or "")[:32],
        service=service,
        channel=channel,
        checked_by=checked_by[:150],
        eligible=eligible,
        ground=ground,
    )
    return PortOutResult(
        eligible=eligible, ground=ground.value, message=str(Ground(ground).label), hints=hints
    )
