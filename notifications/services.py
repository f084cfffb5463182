"""Customer e-mails: after each directory sync run, one report per customer whose listings it changed;
once a month, one reminder per customer whose active services still lack contact details.

Planning writes one CustomerEmail row per customer and e-mail (unique per run, or per month), then
queues one task per row (notifications.tasks). Sending locks its row: a second delivery of the same
task waits, finds it sent and stops, so no customer gets the same e-mail twice. The one gap is a
process killed after the mail server accepted the message and before the row says so: that e-mail
goes again, and the log says so (a mail server cannot take part in our transaction).

The message is written when it is sent, in the customer's language (User.language), from what the
run did (directory.SyncOutcome) or what is missing now: a reminder for details completed meanwhile,
or for a customer who turned reminders off, is not sent ("Sans objet").
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from directory.models import SyncOutcome, SyncRun
from lines.models import Service

from .models import CustomerEmail

logger = logging.getLogger(__name__)

# Attempts before an e-mail is given up: waits of 1, 2, 4... minutes, at most four hours apart,
# about 16 hours in all (retry_delay).
MAX_ATTEMPTS = 12
# A task retries by itself (a Celery countdown) only for waits shorter than this: a longer
# countdown would pass Redis' visibility timeout (CELERY_TASK_TIME_LIMIT + 60 s), which hands the
# waiting message to another worker. Longer waits are the sweep's, which queues what is due.
TASK_RETRY_UNDER = 300
# A queued task that has not run this long after being queued is presumed lost: the sweep queues
# the e-mail again (a duplicate finds it sent, or not yet due, and does nothing).
SWEEP_GRACE = timedelta(minutes=15)
# A report lists this many services at most (refusals first); the rest are counted.
LISTED_SERVICES = 100
# Runs that finished this recently are planned again by the sweep (idempotent): a report never
# queued (a broker down when the run closed) is planned there.
REPLAN_RUNS_WITHIN = timedelta(days=2)
_KIND_ORDER = ("rejected", "added", "updated", "withdrawn")
# E-mails one planning task queues before it hands the rest to a fresh task: no task nears the
# time limits, whatever the number of customers.
QUEUE_CHUNK = 5000


def retry_delay(attempts: int) -> int:
    """Seconds before attempt `attempts + 1`: one minute, doubling, at most four hours."""
    return min(60 * 2 ** max(attempts - 1, 0), 4 * 3600)


# --- Planning ------------------------------------------------------------------------------------


def _plan(kind: str, rows, existing) -> None:
    """Create the e-mail rows of one run (or month) once: all of them in one transaction, so
    either none is there and they are created, or all are."""
    if not existing.exists():
        CustomerEmail.objects.bulk_create((CustomerEmail(kind=kind, **row) for row in rows),
                                          ignore_conflicts=True, batch_size=1000)  # fmt: skip


def _never_queued(existing, limit: int) -> list[int]:
    """Up to `limit` e-mails of `existing` never queued (one queued and lost is the sweep's)."""
    return list(
        existing.filter(state=CustomerEmail.State.PENDING, queued_at__isnull=True, attempts=0)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def _reported(outcomes):
    """What customers are told: their own changes, not the listings a repair sent again."""
    return outcomes.exclude(kind=SyncOutcome.Kind.REPAIRED)


def run_reports_plan(run_id: int) -> list[int]:
    """One report per customer owning a service this run published, updated, withdrew or refused.
    Idempotent: returns up to QUEUE_CHUNK ids of this run's reports never queued."""
    existing = CustomerEmail.objects.filter(kind=CustomerEmail.Kind.RUN_REPORT, run_id=run_id)
    owners = (
        _reported(SyncOutcome.objects.filter(run_id=run_id))
        .filter(
            service__billing_account__owner__is_active=True, service__billing_account__owner__is_staff=False
        )
        .values_list("service__billing_account__owner_id", flat=True)
        .distinct()
        .order_by()
    )
    _plan(CustomerEmail.Kind.RUN_REPORT, ({"run_id": run_id, "user_id": owner} for owner in owners),
          existing)  # fmt: skip
    return _never_queued(existing, QUEUE_CHUNK)


def details_reminders_plan(*, today: date | None = None) -> list[int]:
    """This month's reminder for every customer who wants it and has an active service without
    contact details. Idempotent within the month: returns up to QUEUE_CHUNK ids never queued."""
    month = (today or timezone.localdate()).replace(day=1)
    existing = CustomerEmail.objects.filter(kind=CustomerEmail.Kind.REMINDER, month=month)
    owners = (
        Service.objects.active()
        .filter(
            contact_details__isnull=True,
            billing_account__owner__details_reminders=True,
            billing_account__owner__is_active=True,
            billing_account__owner__is_staff=False,
        )
        .values_list("billing_account__owner_id", flat=True)
        .distinct()
        .order_by()
    )
    _plan(CustomerEmail.Kind.REMINDER, ({"month": month, "user_id": owner} for owner in owners),
          existing)  # fmt: skip
    return _never_queued(existing, QUEUE_CHUNK)


def customer_emails_due(*, now=None) -> list[int]:
    """Pending e-mails due for an attempt and without a live task: never queued (the planning
    task died), queued and lost (a broker down, a worker killed), or waiting longer than a task
    may wait by itself (TASK_RETRY_UNDER)."""
    now = now or timezone.now()
    return list(
        CustomerEmail.objects.filter(state=CustomerEmail.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - SWEEP_GRACE))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:10000]
    )


def runs_to_report(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        SyncRun.objects.filter(finished_at__gte=now - REPLAN_RUNS_WITHIN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def customer_email_queued(email_ids: list[int], *, now=None):
    """Tasks for these e-mails are being queued: the sweep leaves them alone for SWEEP_GRACE."""
    CustomerEmail.objects.filter(pk__in=email_ids, state=CustomerEmail.State.PENDING).update(
        queued_at=now or timezone.now()
    )


# --- Writing -------------------------------------------------------------------------------------


def _link(name: str, *args, query: str = "") -> str:
    return f"{settings.PANEL_URL}{reverse(name, args=args)}{query}"


def _run_report(email: CustomerEmail) -> tuple[str, str, int] | None:
    """(subject, body, services) of a run's report to its customer, or None when none of the
    run's services is theirs any more (an account moved to another customer since)."""
    run = SyncRun.objects.only("finished_at", "started_at").get(pk=email.run_id)
    # Only what was this customer's when the run went: an account that came to them since holds
    # its former owner's outcomes (lines.history's rule), never shown to the new one.
    theirs = _reported(
        SyncOutcome.objects.filter(run_id=email.run_id, service__billing_account__owner_id=email.user_id)
    ).filter(service__billing_account__owner_since__lte=run.started_at)
    # Counted by the database (one GROUP BY), read for the first LISTED_SERVICES only: a customer
    # with thousands of services costs two small queries.
    counts = dict.fromkeys(_KIND_ORDER, 0)
    counts.update(theirs.values_list("kind").annotate(n=Count("pk")).order_by())
    total = sum(counts.values())
    if not total:
        return None
    order = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(_KIND_ORDER)), output_field=IntegerField()
    )
    outcomes = theirs.select_related("service").annotate(order=order).order_by("order", "service__number")
    lines = []
    for outcome in outcomes[:LISTED_SERVICES]:
        line = {
            "number": outcome.service.national_number,
            "label": outcome.service.label,
            "what": SyncOutcome.Kind(outcome.kind).label,
            # Reasons are stored in French (their msgid): the catalogue gives them in English.
            "reason": gettext(outcome.reason) if outcome.reason else "",
            "fix": _link("service_contact_edit", outcome.service.number_digits)
            if outcome.kind == SyncOutcome.Kind.REJECTED
            else "",
        }
        lines.append(line)
    context = {
        "date": timezone.localtime(run.finished_at or run.started_at).date(),
        "lines": lines,
        "more": total - len(lines),
        "counts": counts,
        "panel": _link("service_list"),
        "refused_link": _link("service_list", query="?etat=error"),
    }
    subject = (
        ngettext(
            "Annuaires : une de vos fiches n'a pas pu être publiée",
            "Annuaires : %(count)s de vos fiches n'ont pas pu être publiées",
            counts["rejected"],
        )
        % {"count": counts["rejected"]}
        if counts["rejected"]
        else gettext("Annuaires : vos fiches ont été mises à jour")
    )
    return subject, render_to_string("notifications/run_report.txt", context), total


def _reminder(email: CustomerEmail) -> tuple[str, str, int] | None:
    if not (email.user.details_reminders and email.user.is_active):
        return None
    missing = (
        Service.objects.owned_by(email.user).active().filter(contact_details__isnull=True).order_by("number")
    )
    count = missing.count()
    if not count:
        return None
    context = {
        "count": count,
        "services": [(service.national_number, service.label) for service in missing[:LISTED_SERVICES]],
        "more": max(count - LISTED_SERVICES, 0),
        "list_link": _link("service_list", query="?etat=a-completer"),
        "account_link": _link("account_security"),
    }
    subject = gettext("Coordonnées à compléter sur vos lignes téléphoniques")
    return subject, render_to_string("notifications/reminder.txt", context), count


# --- Sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    state: str
    retry_in: int | None = None  # seconds: the task tries again by itself after that long


def _describe(error: Exception) -> str:
    """An error as support sees it: its class and SMTP code, never the addresses it may quote."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" ({code})" if code else "")


def _compose(email: CustomerEmail) -> EmailMessage | None:
    """The message in the customer's language, or None when there is nothing to send."""
    language = email.user.language if email.user.language in dict(settings.LANGUAGES) else "fr"
    email.language = language
    if not email.user.email:
        email.last_error = "pas d'adresse e-mail"
        return None
    with translation.override(language):
        written = _run_report(email) if email.kind == CustomerEmail.Kind.RUN_REPORT else _reminder(email)
    if written is None:
        return None
    subject, body, email.services = written
    return EmailMessage(subject=subject, body=body, to=[email.user.email],
                        headers={"Auto-Submitted": "auto-generated"})  # fmt: skip


def customer_email_send(email_id: int, *, now=None) -> SendResult:
    """Write and send one e-mail, at most once: the row is locked while the mail server takes the
    message, and marked sent in the same transaction. Whatever fails (the mail server, an address
    it cannot take, our own code) counts as an attempt, recorded by its class only: after
    MAX_ATTEMPTS the e-mail is given up (Échec), never tried for ever."""
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            CustomerEmail.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=email_id)
            .first()
        )
        if email is None or email.state != CustomerEmail.State.PENDING:
            return SendResult(email.state if email else "gone")
        if email.next_attempt_at > now + timedelta(seconds=5):
            return SendResult(email.state)  # not due: a duplicate task, or one delivered early
        try:
            with transaction.atomic():  # a database error in here leaves the row writable
                message = _compose(email)
                if message is not None:
                    message.send()
        except Exception as error:
            email.attempts += 1
            email.last_error = _describe(error)
            delay = retry_delay(email.attempts)
            email.next_attempt_at = now + timedelta(seconds=delay)
            # An address the mail library refuses will never do: given up at once.
            if email.attempts >= MAX_ATTEMPTS or isinstance(error, ValueError):
                email.state = CustomerEmail.State.FAILED
            waiting = email.state == CustomerEmail.State.PENDING
            retry_in = delay if waiting and delay < TASK_RETRY_UNDER else None
            email.queued_at = now if retry_in else None
            email.save(
                update_fields=["attempts", "last_error", "next_attempt_at", "queued_at", "state", "language"]
            )
            logger.warning("customer e-mail #%s (%s, user %s): attempt %s failed: %s", email.pk, email.kind,
                           email.user_id, email.attempts, email.last_error)  # fmt: skip
            return SendResult(email.state, retry_in=retry_in)
        email.attempts += 1
        if message is None:
            email.state = CustomerEmail.State.SKIPPED
            email.save(update_fields=["attempts", "state", "language", "last_error"])
            logger.info(
                "customer e-mail #%s (%s, user %s): nothing to send", email.pk, email.kind, email.user_id
            )
            return SendResult(email.state)
        email.state = CustomerEmail.State.SENT
        email.sent_at = now
        email.last_error = ""
        email.save(update_fields=["attempts", "state", "sent_at", "last_error", "language", "services"])
    logger.info("customer e-mail #%s (%s, user %s) sent: %s services", email.pk, email.kind, email.user_id,
                email.services)  # fmt: skip
    return SendResult(email.state)
