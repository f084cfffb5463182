"""Directory publication: what each service's subscriber chose, and where that choice stands.

One narrow row per service, so that the monthly status flips of millions of services never
rewrite the wide contact-details rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lines.models import ContactDetails


def _typed(field: str) -> int:
    return ContactDetails._meta.get_field(field).max_length


def _longest_label(choices) -> int:
    return max(len(str(label)) for _value, label in choices)


# The longest value each listing column can receive, derived from the contact-details columns it
# is built from (directory.listing.listing_for and its SQL twin directory.staging): whatever the
# database accepts as contact details fits the listing, so no record can block a batch.
# tests/directory/test_listing_lengths.py feeds the longest value of every field through the sync.
LISTING_NAME_LENGTH = max(
    _typed("last_name") + 1 + _typed("first_name"),  # "Dupont Marie"
    _typed("company_name") + 1 + _typed("designation_complement"),  # "Atelier Dupont SARL"
)
LISTING_STREET_LENGTH = (
    len(str(2**31 - 1))  # street_number: a PositiveIntegerField
    + 1 + _longest_label(ContactDetails.StreetNumberSuffix.choices)
    + 1 + max(len(label) for label in ContactDetails.street_type_labels().values())
    + 1 + _typed("street_name")
    + 2 + _typed("address_complement")  # ", résidence Les Pins"
)  # fmt: skip
# Search keys are indexed: a B-tree entry must stay far below PostgreSQL's 2,704-byte limit even
# when upper-casing lengthens a name ("ß" -> "SS"), so keys are cut here (a prefix search of 100
# letters is as selective as one can type).
NAME_SEARCH_LENGTH = 100


class PublicationQuerySet(models.QuerySet):
    def due_for_sync(self):
        """Publications with a change waiting for the next directory update."""
        return self.filter(status=Publication.Status.SCHEDULED)


class Publication(models.Model):
    """The subscriber's directory choices for one service and its publication status.

    Status lifecycle (see ../shared/reference/domain.md, section 3):
    none -> scheduled (publish / change / withdraw) -> synced, or error with a reason;
    a withdrawal that the directories have taken goes back to none.

    `in_directory` says whether any publisher *may* hold a listing of this service: it turns true
    in the very transaction that sends a listing to any publisher (a full run, a run restricted to
    one publisher, or a batch racing an edit), and false only when every publisher has taken the
    withdrawal. Switching to Non therefore schedules a withdrawal whenever something may have
    been sent, and blanks the status only when nothing can have been (directory.services).
    `revision` counts the changes scheduled, so a sync can tell whether the record changed after
    it picked it up.
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
    name = models.CharField(_("nom"), max_length=LISTING_NAME_LENGTH)
    name_search = models.CharField(max_length=NAME_SEARCH_LENGTH, editable=False)
    activity = models.CharField(_("activité"), max_length=_typed("profession"), blank=True)
    line_designation = models.CharField(_("désignation de la ligne"), max_length=40, blank=True)
    street = models.CharField(_("voie"), max_length=LISTING_STREET_LENGTH, blank=True)
    postcode = models.CharField(_("code postal"), max_length=_typed("postcode"), blank=True)
    city = models.CharField(_("ville"), max_length=_typed("city"))
    city_search = models.CharField(max_length=80, editable=False)  # lines.Commune.search_name
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
    repaired = models.PositiveIntegerField(_("écarts réparés"), default=0)
    errors = models.TextField(_("erreurs"), blank=True)
    export_files = models.JSONField(_("fichiers exportés"), default=list)
    # When the run's export file was released (written whole, with its manifest). Until then what
    # the run sent to the file publisher is not known to have left (directory.drift).
    export_released_at = models.DateTimeField(_("export publié le"), null=True, blank=True)

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
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claimed_at = models.DateTimeField(_("pris le"), null=True, blank=True)
    # Beaten every few seconds by the process working on the batch (directory.heartbeat): a
    # running batch without a beat for DIRECTORY_SYNC_STALE_AFTER is free to take over.
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
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


class Delivery(models.Model):
    """What one publisher outside this database was last sent for one service: the digest of the
    listing (directory.staging.digest_sql), or NULL for a withdrawal, and the run that carried it.

    Written in the batch's transaction, with the export part it describes. What was sent counts
    as delivered once that run's export is released (SyncRun.export_released_at); until then it
    may or may not have left, and the reconciliation of the next full run sends it again. The
    operator's own directory needs no such record: its `Listing` table is what it holds.
    """

    pk = models.CompositePrimaryKey("publisher", "service")
    publisher = models.CharField(_("éditeur"), max_length=20)
    # PROTECT: a service whose listing may still be held outside cannot vanish before its
    # withdrawal has been sent (terminate it; the sync withdraws it).
    service = models.ForeignKey("lines.Service", on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 (NULL: a withdrawal)
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(_("envoyé le"))

    class Meta:
        verbose_name = _("envoi à un éditeur")
        verbose_name_plural = _("envois aux éditeurs")

    def __str__(self):
        return f"{self.publisher}/{self.service_id}"


class ExportPart(models.Model):
    """One part of a run's export file, registered in the transaction that sent its records: the
    run's file joins exactly the parts whose transactions committed, in order."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="export_parts")
    publisher = models.CharField(max_length=20)
    name = models.CharField(max_length=100)

    class Meta:
        verbose_name = _("partie d'export")
        verbose_name_plural = _("parties d'export")
        constraints = [models.UniqueConstraint(fields=["run", "publisher", "name"], name="exportpart_unique")]

    def __str__(self):
        return self.name


class DirectoryCheck(models.Model):
    """One comparison of every publisher's content with the subscribers' choices
    (directory.drift): by `check_directory`, or by a full run's reconciliation (which repairs)."""

    at = models.DateTimeField(_("date"))
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("synchronisation"),
    )  # fmt: skip
    differences = models.PositiveIntegerField(_("écarts"))
    # {"annuaire": {"missing": 0, "stale": 3, ...}, "file": {...}}
    counts = models.JSONField(_("détail"), default=dict)
    duration_ms = models.PositiveIntegerField(_("durée (ms)"))

    class Meta:
        verbose_name = _("contrôle des annuaires")
        verbose_name_plural = _("contrôles des annuaires")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.differences}"


class SyncOutcome(models.Model):
    """What a full run did with one service's listing, written by the batch that did it, in the
    same transaction as its status flip: the customer's report e-mail after the run
    (notifications) says exactly what happened, and a batch rolled back leaves nothing here.
    A service the run's reconciliation scheduled again is marked `repaired` first and stays so
    unless the directories refuse it: a customer is told about their own changes, not about a
    listing sent again because a publisher lost it."""

    class Kind(models.TextChoices):
        ADDED = "added", _("Publiée dans les annuaires")
        UPDATED = "updated", _("Mise à jour dans les annuaires")
        WITHDRAWN = "withdrawn", _("Retirée des annuaires")
        REJECTED = "rejected", _("Refusée par les annuaires")
        # Sent again by the run's reconciliation, not at the customer's request: not reported.
        REPAIRED = "repaired", _("Renvoyée après un écart")

    # No index of its own: the unique (run, service) index serves every lookup by run. No database
    # constraints: written set-based, 20,000 rows a batch, from rows the batch holds locked (its
    # run, its services), they would only add deferred checks to every batch's commit; deleting a
    # run or a service still deletes its outcomes (the ORM's cascade).
    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="outcomes", db_index=False,
                            db_constraint=False)  # fmt: skip
    service = models.ForeignKey("lines.Service", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)  # fmt: skip
    kind = models.CharField(_("résultat"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("motif du refus"), max_length=300, blank=True)
    # The publication's revision this outcome is about: a batch that sends a later revision (the
    # customer changed it after the reconciliation marked it repaired) replaces the outcome.
    revision = models.PositiveIntegerField(_("révision"), default=0)

    class Meta:
        verbose_name = _("résultat d'une synchronisation")
        verbose_name_plural = _("résultats des synchronisations")
        constraints = [
            models.UniqueConstraint(fields=["run", "service"], name="syncoutcome_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["added", "updated", "withdrawn", "rejected", "repaired"]),
                name="syncoutcome_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.run_id}/{self.service_id} {self.kind}"
