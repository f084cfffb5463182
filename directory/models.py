"""Directory publication: what each service's subscriber chose, and where that choice stands.

One narrow row per service, so that the monthly status flips of millions of services never
rewrite the wide contact-details rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PublicationQuerySet(models.QuerySet):
    def due_for_sync(self):
        """Publications with a change waiting for the next directory update."""
        return self.filter(status=Publication.Status.SCHEDULED)


class Publication(models.Model):
    """The subscriber's directory choices for one service and its publication status.

    Status lifecycle (see ../shared/reference/domain.md, section 3):
    none -> scheduled (publish / change / withdraw) -> synced, or error with a reason;
    a withdrawal that the directories have taken goes back to none.
    `in_directory` says whether the directories hold a listing now; `revision` counts the changes
    scheduled, so a sync can tell whether the record changed after it picked it up.
    """

    class Status(models.TextChoices):
        NONE = "none", _("Non demandée")
        SCHEDULED = "scheduled", _("Synchronisation programmée")
        SYNCED = "synced", _("Synchronisé")
        ERROR = "error", _("Synchronisation impossible")

    class NameDisplay(models.TextChoices):
        FULL = "full", _("Prénom complet")
        INITIAL = "initial", _("Initiale du prénom")

    class AddressDisplay(models.TextChoices):
        FULL = "full", _("Adresse complète")
        CITY = "city", _("Ville uniquement")

    service = models.OneToOneField(
        "lines.Service", on_delete=models.CASCADE, primary_key=True, related_name="publication"
    )

    # Parution dans les annuaires: the subscriber's choices (CPCE R.10 options, all free).
    listed = models.BooleanField(_("publication dans l'annuaire"), default=False)
    marketing_accepted = models.BooleanField(_("démarchage téléphonique accepté"), default=False)
    reverse_search = models.BooleanField(_("publication dans l'annuaire inversé"), default=False)
    name_display = models.CharField(
        _("affichage du nom"), max_length=8, choices=NameDisplay.choices, default=NameDisplay.FULL
    )
    address_display = models.CharField(
        _("publication de l'adresse"),
        max_length=8,
        choices=AddressDisplay.choices,
        default=AddressDisplay.FULL,
    )
    line_designation = models.CharField(_("désignation de la ligne"), max_length=40, blank=True)

    # Where publication stands; changed only by directory.services.
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.NONE)
    in_directory = models.BooleanField(_("présent dans les annuaires"), default=False)
    revision = models.PositiveIntegerField(_("révision"), default=0)
    scheduled_at = models.DateTimeField(_("programmé le"), null=True, blank=True)
    synced_at = models.DateTimeField(_("synchronisé le"), null=True, blank=True)
    error_reason = models.CharField(_("motif du refus"), max_length=300, blank=True)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["none", "scheduled", "synced", "error"]),
                name="publication_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(name_display__in=["full", "initial"]) & Q(address_display__in=["full", "city"]),
                name="publication_display_options_valid",
            ),
            # Blank status means: not requested, and nothing of this service in any directory.
            models.CheckConstraint(
                condition=~Q(status="none") | Q(listed=False, in_directory=False),
                name="publication_none_means_unlisted",
            ),
            # Synced means the directories show the listing the subscriber asked for.
            models.CheckConstraint(
                condition=~Q(status="synced") | Q(listed=True, in_directory=True),
                name="publication_synced_means_listed",
            ),
            # A scheduled change has something to do: publish, update or withdraw.
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(listed=True) | Q(in_directory=True),
                name="publication_scheduled_has_work",
            ),
            models.CheckConstraint(
                condition=~Q(status="error") | ~Q(error_reason=""), name="publication_error_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="publication_scheduled_has_date",
            ),
        ]
        indexes = [
            # The sync only ever looks for scheduled records: a small partial index serves it.
            models.Index(
                fields=["service"], condition=Q(status="scheduled"), name="publication_due_for_sync_idx"
            ),
        ]

    def __str__(self):
        return f"{self.service_id}: {self.get_status_display()}"
