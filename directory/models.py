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
        permissions = [
            ("requeue_publication", _("Peut reprogrammer une publication pour la prochaine synchronisation")),
            ("withdraw_publication", _("Peut retirer une fiche de l'annuaire à la demande de l'abonné")),
        ]
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


class Listing(models.Model):
    """An entry of the operator's own public directory (publisher `annuaire`), as last synced.

    Written only by the sync (directory.publishers.AnnuairePublisher); read by /annuaire/. The
    `*_search` columns hold normalised text (lines.communes.normalise_place_name) for indexed
    prefix and equality searches.
    """

    # No database foreign key: the sync writes millions of rows and a per-row trigger would double
    # its cost; Django still deletes the listing with its service.
    service = models.OneToOneField(
        "lines.Service",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="directory_listing",
        db_constraint=False,
    )
    number = models.CharField(_("numéro"), max_length=20)  # E.164, for reverse search
    national_number = models.CharField(_("numéro national"), max_length=20)
    name = models.CharField(_("nom"), max_length=320)
    name_search = models.CharField(max_length=320, editable=False)
    activity = models.CharField(_("activité"), max_length=100, blank=True)
    line_designation = models.CharField(_("désignation de la ligne"), max_length=40, blank=True)
    street = models.CharField(_("voie"), max_length=220, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("ville"), max_length=80)
    city_search = models.CharField(max_length=80, editable=False)
    departement = models.CharField(_("département"), max_length=3)
    marketing_accepted = models.BooleanField(_("démarchage accepté"))
    reverse_search = models.BooleanField(_("annuaire inversé"))
    published_at = models.DateTimeField(_("publié le"))

    class Meta:
        verbose_name = _("fiche de l'annuaire")
        verbose_name_plural = _("fiches de l'annuaire")
        # A plain unique constraint: `unique=True` would add a pattern index nobody uses.
        constraints = [models.UniqueConstraint(fields=["number"], name="listing_number_unique")]
        # Prefix searches (`name_search LIKE 'DUP%'`): on PostgreSQL under any collation but C
        # only the varchar_pattern_ops operator class serves them; SQLite ignores opclasses.
        indexes = [
            models.Index(fields=["name_search"], name="listing_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["city_search", "name_search"],
                name="listing_city_name_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["departement", "name_search"],
                name="listing_departement_name_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.national_number}"


class SyncRun(models.Model):
    """One directory update: who or what started it, how far it went, what it did."""

    class Trigger(models.TextChoices):
        BEAT = "beat", _("Planification mensuelle")
        COMMAND = "command", _("Commande sync_directory")
        ADMIN = "admin", _("Administration")

    class Status(models.TextChoices):
        RUNNING = "running", _("En cours")
        SUCCEEDED = "succeeded", _("Réussie")
        FAILED = "failed", _("Échouée")
        ABANDONED = "abandoned", _("Abandonnée")

    trigger = models.CharField(_("déclencheur"), max_length=10, choices=Trigger.choices)
    started_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lancée par"),
    )
    publishers = models.JSONField(_("éditeurs"), default=list)
    batch_size = models.PositiveIntegerField(_("taille des lots"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("début"))
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"))
    finished_at = models.DateTimeField(_("fin"), null=True, blank=True)
    batches_total = models.PositiveIntegerField(_("lots"), default=0)
    added = models.PositiveIntegerField(_("ajoutées"), default=0)
    updated = models.PositiveIntegerField(_("mises à jour"), default=0)
    withdrawn = models.PositiveIntegerField(_("retirées"), default=0)
    rejected = models.PositiveIntegerField(_("refusées"), default=0)
    left_for_next = models.PositiveIntegerField(_("reportées"), default=0)
    errors = models.TextField(_("erreurs"), blank=True)
    export_files = models.JSONField(_("fichiers exportés"), default=list)

    class Meta:
        verbose_name = _("synchronisation des annuaires")
        verbose_name_plural = _("synchronisations des annuaires")
        permissions = [("run_sync", _("Peut lancer une synchronisation des annuaires"))]
        ordering = ["-started_at"]
        constraints = [
            # Only one run at a time, whatever starts it: the database says who got there first.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="syncrun_one_running"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"


class SyncBatch(models.Model):
    """A slice of a run's scheduled publications, by service id: (after_id, last_id]. Short enough
    to finish well within a task's time limit; its state is how the run knows it is complete."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField(_("numéro"))
    after_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    left_for_next = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("lot de synchronisation")
        verbose_name_plural = _("lots de synchronisation")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="syncbatch_unique_number")]
        indexes = [models.Index(fields=["run", "state"], name="syncbatch_run_state_idx")]

    def __str__(self):
        return f"#{self.run_id}/{self.number} {self.get_state_display()}"
