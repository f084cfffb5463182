"""Billing accounts, telephone services and the contact details each service must carry.

Invariants that the data must never break are database constraints, not only form checks: a
company without SIRET, two services with one number or an address without its commune cannot be
stored, whatever path the write takes.
"""

import functools

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .phone import describe

# Patterns shared by the validators and the database constraints.
SIRET_PATTERN = r"^[0-9]{14}$"
APE_PATTERN = r"^[0-9]{4}[A-Z]$"
POSTCODE_PATTERN = r"^[0-9]{5}$"
BILLING_REFERENCE_PATTERN = r"^[a-z]{2}[0-9]{4,6}-[0-9]{1,4}$"


class Commune(models.Model):
    """A French commune from the official geographic code (COG), or a municipal arrondissement
    of Paris, Lyon or Marseille (then `parent` is the commune it belongs to).

    Reference data loaded from `lines/reference/communes.csv`; see `lines/communes.py`.
    """

    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    # Upper case, no accents or punctuation: what a typed city name is compared with.
    search_name = models.CharField(max_length=80, db_index=True, editable=False)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("commune de rattachement"),
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class PostalCode(models.Model):
    """One postcode of one commune: a postcode can serve several communes and the reverse."""

    code = models.CharField(_("code postal"), max_length=5)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="postal_codes")

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        constraints = [
            # Its index leads with the postcode, so it also serves the postcode -> communes lookup.
            models.UniqueConstraint(fields=["code", "commune"], name="postalcode_unique_per_commune"),
            models.CheckConstraint(condition=Q(code__regex=POSTCODE_PATTERN), name="postalcode_five_digits"),
        ]

    def __str__(self):
        return f"{self.code} {self.commune.name}"


class PostcodeName(models.Model):
    """Another name a commune is written with beside one postcode: La Poste's libellé
    d'acheminement ("33710 BOURG SUR GIRONDE"), its usual name without a "(Canton de …)"
    qualifier, a former commune of a commune nouvelle ("74940 Annecy-le-Vieux"), or its official
    name with a postcode La Poste pairs it with but the COG does not.

    Reference data loaded from `lines/reference/postcode_names.csv` (lines.postcode_names builds
    it); lines.communes.resolve_location reads its official kind with the COG's official names, and
    the other kinds after them.
    """

    class Kind(models.TextChoices):
        # Strongest first: see lines.postcode_names.KINDS.
        OFFICIAL = "official", _("nom officiel")
        USUAL = "usual", _("nom usuel")
        ACHEMINEMENT = "acheminement", _("libellé d'acheminement")
        LIGNE5 = "ligne5", _("lieu-dit (ligne 5)")
        FORMER = "former", _("ancienne commune")

    postcode = models.CharField(_("code postal"), max_length=5)
    name = models.CharField(_("nom"), max_length=100)
    # normalise_place_name(name): what a typed city is compared with.
    search_name = models.CharField(max_length=100, editable=False)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="postcode_names", verbose_name=_("commune")
    )
    kind = models.CharField(_("nature"), max_length=12, choices=Kind.choices)

    class Meta:
        verbose_name = _("autre nom de commune")
        verbose_name_plural = _("autres noms de communes")
        constraints = [
            # Its index leads with (postcode, search_name): the one lookup resolve_location makes.
            models.UniqueConstraint(
                fields=["postcode", "search_name", "commune"], name="postcodename_unique_per_commune"
            ),
        ]

    def __str__(self):
        return f"{self.postcode} {self.name}"


_OWNER_FIELDS = {"owner", "owner_id"}


def _owner_since_after(stored_owner_id, stored_since, owner_id, owner_since, now):
    """When the account came to `owner_id`, given what the row holds: now if the owner changes,
    else the stored date, which a stale instance never moves back."""
    if stored_owner_id != owner_id:
        return now
    return max(stored_since, owner_since) if owner_since else stored_since


class BillingAccountQuerySet(models.QuerySet):
    """Every ORM path that changes an owner also moves `owner_since` (see BillingAccount)."""

    def update(self, **kwargs):
        owner_key = next((key for key in ("owner", "owner_id") if key in kwargs), None)
        if owner_key and "owner_since" not in kwargs:
            owner = kwargs[owner_key]
            owner_id = owner.pk if isinstance(owner, models.Model) else owner
            kwargs["owner_since"] = Case(
                When(owner_id=owner_id, then=F("owner_since")),
                default=Value(timezone.now(), output_field=models.DateTimeField()),
            )
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        if _OWNER_FIELDS & set(fields):
            objs = list(objs)
            stored = {
                pk: (owner_id, since)
                for pk, owner_id, since in BillingAccount._base_manager.filter(
                    pk__in=[obj.pk for obj in objs]
                ).values_list("pk", "owner_id", "owner_since")
            }
            now = timezone.now()
            for obj in objs:
                if obj.pk in stored:
                    obj.owner_since = _owner_since_after(*stored[obj.pk], obj.owner_id, obj.owner_since, now)
            if "owner_since" not in fields:
                fields.append("owner_since")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True

    def bulk_create(self, objs, *args, update_fields=None, **kwargs):
        # An upsert that changes owners would leave `owner_since` behind, and no expression here
        # can say "now if the owner changed": such a change goes through update() or save().
        if _OWNER_FIELDS & set(update_fields or ()):
            raise ValueError("bulk_create cannot change a billing account's owner: use update() or save().")
        return super().bulk_create(objs, *args, update_fields=update_fields, **kwargs)

    bulk_create.alters_data = True


class BillingAccount(models.Model):
    """A customer's billing account (`ab12345-1`): the unit services are grouped and billed by.

    Support may reassign an account to another customer. `owner_since` says when the account came
    to its current owner: the history entries recorded before it are not the new owner's to read
    (lines.history). It moves to now whenever the owner changes, by `save()` (the admin), by
    `update()` or by `bulk_update()`; nothing else writes an owner.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="billing_accounts",
        verbose_name=_("titulaire"),
    )
    owner_since = models.DateTimeField(_("titulaire depuis"), default=timezone.now, editable=False)
    reference = models.CharField(_("référence"), max_length=20, unique=True)
    label = models.CharField(_("libellé"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = BillingAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("compte de facturation")
        verbose_name_plural = _("comptes de facturation")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reference__regex=BILLING_REFERENCE_PATTERN),
                name="billingaccount_reference_format",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if self._state.adding or (update_fields is not None and not _OWNER_FIELDS & set(update_fields)):
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            stored = (
                BillingAccount._base_manager.select_for_update()
                .filter(pk=self.pk)
                .values_list("owner_id", "owner_since")
                .first()
            )
            if stored is not None:
                self.owner_since = _owner_since_after(
                    *stored, self.owner_id, self.owner_since, timezone.now()
                )
                if update_fields is not None and "owner_since" not in update_fields:
                    kwargs["update_fields"] = [*update_fields, "owner_since"]
            return super().save(*args, **kwargs)

    save.alters_data = True


class ServiceQuerySet(models.QuerySet):
    def owned_by(self, user):
        """The services a customer may see: those of their own billing accounts, nothing else."""
        return self.filter(billing_account__owner=user)

    def active(self):
        return self.filter(state=Service.State.ACTIVE)


class Service(models.Model):
    """A VoIP line or a number (alias), with its one E.164 number."""

    class Kind(models.TextChoices):
        LINE = "line", _("Ligne")
        NUMBER = "number", _("Numéro")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        TERMINATED = "terminated", _("Résiliée")

    billing_account = models.ForeignKey(
        BillingAccount,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("compte de facturation"),
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    number = PhoneNumberField(_("numéro"), unique=True)
    label = models.CharField(_("libellé"), max_length=100, blank=True)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    terminated_at = models.DateTimeField(_("résilié le"), null=True, blank=True)
    # The RIO (Relevé d'Identité Opérateur), issued with the first contact details
    # (lines.portability.rio_issue, never by a page) and stable across edits; regenerated only on
    # request, with history.
    rio = models.CharField(_("RIO"), max_length=12, blank=True, db_default="")
    port_out_pending_since = models.DateTimeField(
        _("portabilité sortante en cours depuis"), null=True, blank=True
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["line", "number"]), name="service_kind_valid"),
            models.CheckConstraint(
                condition=Q(state="active", terminated_at__isnull=True)
                | Q(state="terminated", terminated_at__isnull=False),
                name="service_terminated_has_date",
            ),
            models.UniqueConstraint(fields=["rio"], condition=~Q(rio=""), name="service_rio_unique"),
        ]
        permissions = [
            ("regenerate_rio", _("Peut régénérer le RIO d'un service")),
            ("check_port_out", _("Peut vérifier une demande de portabilité")),
        ]
        indexes = [
            # The Téléphonie list: one account's services in number order.
            models.Index(fields=["billing_account", "number"], name="service_account_number_idx"),
        ]

    def __str__(self):
        return self.national_number

    @property
    def details_or_none(self):
        """Its contact details, or None while they are missing (flagged everywhere)."""
        try:
            return self.contact_details
        except ContactDetails.DoesNotExist:
            return None

    @property
    def number_digits(self):
        """The E.164 number without its plus: how URLs and forms name a service."""
        return str(self.number).lstrip("+")

    @property
    def national_number(self):
        """The number as French customers write it: `09 72 10 20 30`, `0590 20 12 34`; a number
        outside the French plan in E.164. The sync writes the same in SQL (directory.staging)."""
        return describe(str(self.number)).display if self.number else ""


class ContactDetails(models.Model):
    """The mandatory contact details of one service: identity and installation address.

    The installation address routes emergency calls, so it must resolve to a commune (INSEE code)
    and its département; both are derived from the postcode and city, never typed.
    """

    class LegalForm(models.TextChoices):
        INDIVIDUAL = "individual", _("Particulier")
        PROFESSIONAL = "professional", _("Professionnel")
        COMPANY = "company", _("Entreprise")

    class StreetNumberSuffix(models.TextChoices):
        BIS = "bis", _("bis")
        TER = "ter", _("ter")
        QUATER = "quater", _("quater")
        QUINQUIES = "quinquies", _("quinquies")
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    class StreetType(models.TextChoices):
        RUE = "rue", _("rue")
        AVENUE = "avenue", _("avenue")
        BOULEVARD = "boulevard", _("boulevard")
        PLACE = "place", _("place")
        CHEMIN = "chemin", _("chemin")
        ROUTE = "route", _("route")
        IMPASSE = "impasse", _("impasse")
        ALLEE = "allee", _("allée")
        QUAI = "quai", _("quai")
        COURS = "cours", _("cours")
        SQUARE = "square", _("square")
        PASSAGE = "passage", _("passage")
        RESIDENCE = "residence", _("résidence")
        LIEU_DIT = "lieu-dit", _("lieu-dit")
        HAMEAU = "hameau", _("hameau")

    # The identity fields each legal form uses; switching form blanks the others.
    IDENTITY_FIELDS = {
        LegalForm.INDIVIDUAL: ("last_name", "first_name", "email"),
        LegalForm.PROFESSIONAL: (
            "profession",
            "siret",
            "ape_code",
            "company_name",
            "designation_complement",
            "email",
        ),
        LegalForm.COMPANY: ("siret", "ape_code", "company_name", "designation_complement", "email"),
    }
    ALL_IDENTITY_FIELDS = (
        "last_name",
        "first_name",
        "profession",
        "siret",
        "ape_code",
        "company_name",
        "designation_complement",
        "email",
    )
    ADDRESS_FIELDS = (
        "street_number",
        "street_number_suffix",
        "street_type",
        "street_name",
        "address_complement",
        "postcode",
        "city",
    )

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, primary_key=True, related_name="contact_details"
    )
    legal_form = models.CharField(_("forme légale"), max_length=12, choices=LegalForm.choices)

    # Informations
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    ape_code = models.CharField(_("code APE/NAF"), max_length=5, blank=True)
    company_name = models.CharField(_("dénomination"), max_length=200, blank=True)
    designation_complement = models.CharField(_("complément de désignation"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)

    # Adresse (installation address)
    street_number = models.PositiveIntegerField(_("numéro de voie"), null=True, blank=True)
    street_number_suffix = models.CharField(
        _("complément du numéro"), max_length=10, choices=StreetNumberSuffix.choices, blank=True
    )
    street_type = models.CharField(_("type de voie"), max_length=12, choices=StreetType.choices, blank=True)
    street_name = models.CharField(_("nom de la voie"), max_length=100)
    address_complement = models.CharField(_("complément d'adresse"), max_length=100, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("ville"), max_length=80)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="+", verbose_name=_("commune (code INSEE)")
    )
    arrondissement = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("arrondissement"),
    )
    # Copied from the commune so that support can filter millions of rows on an indexed column.
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    # An individual's name as the first-name-initial option prints it, as a search key
    # (directory.listing.initial_name_key: "DUPONT M"), blank for a business; derived on every
    # save. Indexed with the commune: the homonym rule (CPCE R.10 3°) looks up the other listings
    # printed alike in the commune, at edit time and in the sync, without reading the table.
    initial_name_key = models.CharField(max_length=100, blank=True, default="", db_default="", editable=False)
    country = models.CharField(_("pays"), max_length=2, default="FR")

    updated_at = models.DateTimeField(_("modifié le"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )

    class Meta:
        verbose_name = _("coordonnées")
        verbose_name_plural = _("coordonnées")
        constraints = [
            models.CheckConstraint(
                condition=Q(legal_form__in=["individual", "professional", "company"]),
                name="contact_legal_form_valid",
            ),
            # An individual is a named person and has no business identifiers.
            models.CheckConstraint(
                condition=~Q(legal_form="individual")
                | (~Q(last_name="") & ~Q(first_name="") & Q(siret="", ape_code="", company_name="")),
                name="contact_individual_fields",
            ),
            # A professional or a company is identified by SIRET, APE/NAF code and a name.
            models.CheckConstraint(
                condition=Q(legal_form="individual")
                | (
                    Q(siret__regex=SIRET_PATTERN, ape_code__regex=APE_PATTERN)
                    & ~Q(company_name="")
                    & Q(first_name="", last_name="")
                ),
                name="contact_business_identifiers",
            ),
            models.CheckConstraint(condition=~Q(street_name=""), name="contact_street_name_required"),
            models.CheckConstraint(condition=~Q(city=""), name="contact_city_required"),
            models.CheckConstraint(
                condition=Q(postcode__regex=POSTCODE_PATTERN), name="contact_postcode_format"
            ),
            models.CheckConstraint(condition=~Q(departement=""), name="contact_departement_required"),
        ]
        indexes = [models.Index(fields=["commune", "initial_name_key"], name="contact_commune_initial_idx")]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        # Imported here: directory's models import this module.
        from directory.listing import initial_name_key

        individual = self.legal_form == self.LegalForm.INDIVIDUAL
        self.initial_name_key = initial_name_key(self.last_name, self.first_name) if individual else ""
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "initial_name_key"}
        super().save(*args, **kwargs)

    @property
    def display_name(self):
        if self.legal_form == self.LegalForm.INDIVIDUAL:
            return f"{self.first_name} {self.last_name}".strip()
        return self.company_name

    @staticmethod
    @functools.cache
    def street_type_labels() -> dict[str, str]:
        """Street types as an address is written, in French whatever the page's language: the
        directories, the emergency feed and the preview must all read the same address."""
        with translation.override("fr"):
            return {value: str(label) for value, label in ContactDetails.StreetType.choices}

    @property
    def street_line(self):
        """`8 bis boulevard Voltaire`: the street part of the address as it is written."""
        parts = [
            str(self.street_number or ""),
            self.street_number_suffix,
            self.street_type_labels().get(self.street_type, ""),
            self.street_name,
        ]
        return " ".join(part for part in parts if part)

    @property
    def full_address(self):
        lines = [self.street_line, self.address_complement, f"{self.postcode} {self.city}"]
        return ", ".join(line for line in lines if line)


class ServiceChangeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """History entries of the customer's own services."""
        return self.filter(service__billing_account__owner=user)


class ServiceChange(models.Model):
    """One change of a service's contact details or directory consent, as the customer and support
    see it: who, when, from where, and each field's old and new value.

    Written by the services that make the change (lines.services), never by a signal, so that the
    actor and the source are always known. Sync status flips are not recorded here: the sync
    records its own runs.
    """

    class Source(models.TextChoices):
        PANEL = "panel", _("Espace client")
        BULK = "bulk", _("Application groupée")
        ADMIN = "admin", _("Support")
        IMPORT = "import", _("Import")
        SYSTEM = "system", _("Système")
        API = "api", _("API")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    source = models.CharField(_("origine"), max_length=10, choices=Source.choices)
    # The customer's application a change came through (source API), by its name at the time; a
    # default in the database too, for the rows written in SQL (imports, benchmarks).
    application = models.CharField(_("application"), max_length=100, blank=True, default="", db_default="")
    # {"field": [old, new], ...}: contact-details field names, `publication.<choice>`, `rio`;
    # lines.history turns them into labels.
    changes = models.JSONField(_("modifications"))
    # What the change did to the directory publication, in the customer's words.
    outcome = models.CharField(_("effet sur la parution"), max_length=200, blank=True)

    objects = ServiceChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("modification")
        verbose_name_plural = _("historique des modifications")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["service", "-at"], name="servicechange_service_at_idx")]

    def __str__(self):
        return f"{self.service} {self.at:%Y-%m-%d %H:%M}"


class PortOutCheck(models.Model):
    """One port-out check, as asked by the porting desk (admin) or the operator's systems (API):
    kept for the record, without the identity details that were typed."""

    class Ground(models.TextChoices):
        ELIGIBLE = "eligible", _("Éligible")
        UNKNOWN_NUMBER = "unknown_number", _("Numéro inconnu")
        INACTIVE_NUMBER = "inactive_number", _("Numéro résilié")
        MALFORMED_RIO = "malformed_rio", _("RIO mal formé")
        KEY_MISMATCH = "key_mismatch", _("La clé du RIO ne correspond pas au numéro")
        RIO_NOT_THIS_NUMBER = "rio_not_this_number", _("Ce RIO n'est pas celui de ce numéro")
        PORT_PENDING = "port_pending", _("Portabilité déjà en cours")
        IDENTITY_MISMATCH = "identity_mismatch", _("Identité du titulaire différente")

    at = models.DateTimeField(_("date"))
    number = models.CharField(_("numéro"), max_length=32)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(_("canal"), max_length=10)
    checked_by = models.CharField(_("demandé par"), max_length=150)
    eligible = models.BooleanField(_("éligible"))
    ground = models.CharField(_("motif"), max_length=24, choices=Ground.choices)

    class Meta:
        verbose_name = _("vérification de portabilité")
        verbose_name_plural = _("vérifications de portabilité")
        ordering = ["-at"]
        indexes = [models.Index(fields=["-at"], name="portoutcheck_at_idx")]

    def __str__(self):
        return f"{self.number} {self.get_ground_display()}"


class BulkApplyJob(models.Model):
    """One "apply to other services" request: one service's contact details and directory choices
    (as they were when the customer confirmed) to apply to the services of `targets`.

    The request records the job and returns at once; a Celery task (lines.tasks.bulk_apply_run)
    works through the targets in chunks, one transaction each, through the panel's own
    contact_details_apply. Each target is applied at most once, whatever the number of deliveries.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        FINISHED = "finished", _("Terminée")
        FAILED = "failed", _("Interrompue")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    source = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", verbose_name=_("service source")
    )
    # What contact_details_apply takes: DETAIL_FIELDS and the directory choices (lines.services).
    details = models.JSONField(_("coordonnées appliquées"))
    choices = models.JSONField(_("choix de parution appliqués"))
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("services à traiter"))
    done = models.PositiveIntegerField(_("services traités"), default=0)
    failed = models.PositiveIntegerField(_("services en échec"), default=0)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("application groupée")
        verbose_name_plural = _("applications groupées")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "running", "finished", "failed"]),
                name="bulkapplyjob_state_valid",
            ),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="bulkapplyjob_done_le_total"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.source}"

    @property
    def in_progress(self):
        return self.state in {self.State.QUEUED, self.State.RUNNING}


class BulkApplyTarget(models.Model):
    """One service of a bulk apply job and what happened to it; `pending` until it is applied."""

    class Result(models.TextChoices):
        PENDING = "pending", _("À traiter")
        CHANGED = "changed", _("Modifié")
        UNCHANGED = "unchanged", _("Déjà à jour")
        FAILED = "failed", _("Non modifié")

    job = models.ForeignKey(BulkApplyJob, on_delete=models.CASCADE, related_name="targets")
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, related_name="+")
    result = models.CharField(_("résultat"), max_length=10, choices=Result.choices, default=Result.PENDING)
    # directory.services.Outcome's value when the service changed; the reason when it failed.
    outcome = models.CharField(_("effet sur la parution"), max_length=20, blank=True)
    error = models.CharField(_("erreur"), max_length=300, blank=True)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = _("service d'une application groupée")
        verbose_name_plural = _("services d'une application groupée")
        constraints = [
            models.UniqueConstraint(fields=["job", "service"], name="bulkapplytarget_unique_per_job"),
            models.CheckConstraint(
                condition=Q(result__in=["pending", "changed", "unchanged", "failed"]),
                name="bulkapplytarget_result_valid",
            ),
        ]
        indexes = [models.Index(fields=["job", "result"], name="bulkapplytarget_job_result_idx")]

    def __str__(self):
        return f"{self.job_id}/{self.service_id} {self.result}"
