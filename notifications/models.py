"""The e-mails we send customers, one row each: the record that no e-mail goes twice (one report per
run and customer, one reminder per month and customer) and what support reads when a customer asks
whether they were told."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerEmail(models.Model):
    class Kind(models.TextChoices):
        RUN_REPORT = "run_report", _("Compte rendu de mise à jour des annuaires")
        REMINDER = "reminder", _("Rappel des coordonnées à compléter")

    class State(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENT = "sent", _("Envoyé")
        SKIPPED = "skipped", _("Sans objet")  # nothing left to say, or no address, or turned off
        FAILED = "failed", _("Échec")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    run = models.ForeignKey(
        "directory.SyncRun", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("synchronisation"),
    )  # fmt: skip
    month = models.DateField(_("mois"), null=True, blank=True)  # a reminder's month (its first day)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # When it may be tried (next): its creation, then after each failure a longer wait. A task
    # that finds it not yet due does nothing (a duplicate, an early redelivery).
    next_attempt_at = models.DateTimeField(_("prochain essai"), default=timezone.now)
    # When a task for it was last queued; none queued (or one lost): the sweep queues it once due.
    queued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    language = models.CharField(_("langue"), max_length=5, blank=True)
    services = models.PositiveIntegerField(_("services concernés"), default=0)

    class Meta:
        verbose_name = _("e-mail à un client")
        verbose_name_plural = _("e-mails aux clients")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "user"],
                condition=Q(kind="run_report"),
                name="customeremail_one_report_per_run",
            ),
            models.UniqueConstraint(
                fields=["month", "user"],
                condition=Q(kind="reminder"),
                name="customeremail_one_reminder_per_month",
            ),
            models.CheckConstraint(
                condition=Q(kind="run_report", run__isnull=False, month__isnull=True)
                | Q(kind="reminder", run__isnull=True, month__isnull=False),
                name="customeremail_kind_has_its_key",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sent", "skipped", "failed"]),
                name="customeremail_state_valid",
            ),
        ]
        indexes = [
            # The sweep: what is still to send, by when it is due.
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="pending"), name="customeremail_pending_idx"
            ),
            # /metrics: the last weeks' e-mails by state.
            models.Index(fields=["created_at"], name="customeremail_created_idx"),
            # Support: one customer's e-mails.
            models.Index(fields=["user", "-created_at"], name="customeremail_user_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
