"""Django admin for support: find a service however the customer names it, see everything about
it, and act through the same services as the panel. Built for tables of millions of rows: no
unfiltered COUNT(*), related rows fetched with the page, searches on indexed columns only."""

import csv
import functools
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from directory.listing import initial_name, listing_for
from directory.models import Publication, SyncBatch
from directory.services import HomonymRefused, Outcome, initial_homonym, prints_anew, publication_of
from telecom_panel.admin_search import BoundedSearchMixin
from telecom_panel.csv_safety import neutralised_row

from .communes import LocationError, WrongTerritory
from .forms import ContactDetailsForm, PublicationForm, initial_publication
from .history import describe
from .models import (
    BILLING_REFERENCE_PATTERN,
    BillingAccount,
    Commune,
    ContactDetails,
    PortOutCheck,
    Service,
    ServiceChange,
)
from .names import capitalised_details
from .phone import complete_number, number_prefix
from .portability import no_rio_reason, port_out_check, rio_regenerate
from .services import (
    ServiceNotEditable,
    address_location,
    contact_details_apply,
    publication_requeue_by_support,
    publication_withdraw,
    service_terminate,
)

admin.site.site_header = _("Support téléphonie")
admin.site.site_title = _("Support téléphonie")
admin.site.index_title = _("Administration")

SEARCH_LIMIT = 1000  # services one search may return: support narrows down beyond that
COUNT_CAP = 10_000  # a filtered list counts its rows up to this, never the whole table


class LargeTablePaginator(Paginator):
    """Counts without scanning millions of rows: the planner's estimate for an unfiltered table on
    PostgreSQL, and at most COUNT_CAP rows for a filtered list (deeper pages: refine the search)."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not queryset.query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return row[0]
        return queryset.order_by()[: COUNT_CAP + 1].count()


def matching_service_ids(term: str) -> list[int]:
    """Services matching a support search, each kind of term on its own indexed lookup: a number
    in any usual form, a SIRET, an e-mail, a billing account, a customer's login, or the start of
    a name or company name."""
    term = " ".join(term.split())[:100]
    compact = re.sub(r"[\s.]", "", term)
    details = ContactDetails.objects.values_list("service_id", flat=True)
    if compact.isdigit() and len(compact) == 14:
        queries = [details.filter(siret=compact)]
    elif "@" in term:
        queries = [details.filter(email__iexact=term)]
    elif re.fullmatch(BILLING_REFERENCE_PATTERN, term.lower()):
        queries = [
            Service.objects.filter(billing_account__reference=term.lower()).values_list("pk", flat=True)
        ]
    elif prefix := number_prefix(term):
        # A whole number (`0590 20 12 34` included) is one indexed equality; a beginning, a range.
        whole = complete_number(term)
        lookup = {"number": whole} if whole else {"number__startswith": prefix}
        queries = [Service.objects.filter(**lookup).values_list("pk", flat=True)]
    else:
        queries = [
            Service.objects.filter(billing_account__owner__username=term).values_list("pk", flat=True),
            details.filter(last_name__istartswith=term),
            details.filter(company_name__istartswith=term),
        ]
    ids = []
    for query in queries:
        ids += list(query[:SEARCH_LIMIT])
    return ids[:SEARCH_LIMIT]


@functools.cache
def departement_codes() -> list[str]:
    """From the commune reference (about a hundred codes), never a DISTINCT over the services;
    read once per process: the reference changes only with a deployment."""
    codes = Commune.objects.filter(parent__isnull=True).order_by("departement")
    return list(codes.values_list("departement", flat=True).distinct())


class DepartementFilter(admin.SimpleListFilter):
    title = _("département")
    parameter_name = "departement"

    def lookups(self, request, model_admin):
        return [(code, code) for code in departement_codes()]

    def queryset(self, request, queryset):
        return queryset.filter(contact_details__departement=self.value()) if self.value() else queryset


class MissingDetailsFilter(admin.SimpleListFilter):
    title = _("coordonnées")
    parameter_name = "coordonnees"

    def lookups(self, request, model_admin):
        return [("manquantes", _("Coordonnées manquantes")), ("renseignees", _("Renseignées"))]

    def queryset(self, request, queryset):
        if self.value() == "manquantes":
            return queryset.filter(contact_details__isnull=True)
        if self.value() == "renseignees":
            return queryset.filter(contact_details__isnull=False)
        return queryset


class ServiceChangeInline(admin.TabularInline):
    """The service's history, newest first: who, when, from where, what."""

    model = ServiceChange
    fields = ("at", "actor", "source", "what", "effect")
    readonly_fields = fields
    ordering = ("-at", "-pk")
    extra = 0
    can_delete = False
    verbose_name_plural = _("historique des modifications")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("modifications"))
    def what(self, change):
        return format_html_join(
            "", "<div>{}{} : {} → {}</div>",
            ((field.label, " (consentement)" if field.consent else "", field.old, field.new) for field in describe(change)),
        )  # fmt: skip

    @admin.display(description=_("effet sur la parution"))
    def effect(self, change):
        return Outcome(change.outcome).label if change.outcome in Outcome.values else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("number_display", "kind", "label", "billing_account", "customer", "holder", "departement",
                    "publication_status", "state")  # fmt: skip
    list_select_related = ("billing_account__owner", "contact_details", "publication")
    list_filter = ("kind", "state", "contact_details__legal_form", DepartementFilter, "publication__status",
                   MissingDetailsFilter)  # fmt: skip
    search_fields = ("number",)  # the search box; matching_service_ids does the work
    search_help_text = _(
        "Numéro sous toute forme (09 72 10 20 30, +33972102030, 0033…), SIRET, e-mail, compte de "
        "facturation, identifiant client, début du nom ou de la dénomination."
    )
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    ordering = ("number",)
    fields = ("number", "kind", "label", "billing_account", "customer", "state", "created_at", "terminated_at",
              "rio_display", "port_out_pending_since", "contact_details_summary", "publication_summary",
              "sync_runs")  # fmt: skip
    readonly_fields = fields
    inlines = [ServiceChangeInline]
    actions = ["requeue", "withdraw", "regenerate_rio", "terminate", "export_csv"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("billing_account__owner", "contact_details__commune", "publication")
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(pk__in=matching_service_ids(search_term)), False

    def has_add_permission(self, request):
        return request.user.is_superuser  # services come from ordering; support never creates one

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # --- columns -------------------------------------------------------------------------------

    @admin.display(description=_("numéro"), ordering="number")
    def number_display(self, service):
        return service.national_number

    @admin.display(description=_("client"))
    def customer(self, service):
        return service.billing_account.owner.get_username()

    @admin.display(description=_("titulaire"))
    def holder(self, service):
        details = service.details_or_none
        return (
            details.display_name
            if details
            else format_html("<strong>{}</strong>", _("Coordonnées manquantes"))
        )

    @admin.display(description=_("département"))
    def departement(self, service):
        details = service.details_or_none
        return details.departement if details else "—"

    @admin.display(description=_("annuaire"))
    def publication_status(self, service):
        publication = publication_of(service)
        label = publication.get_status_display()
        if publication.status == Publication.Status.SCHEDULED and not publication.listed:
            label = f"{label} ({_('retrait')})"
        return label

    # --- change page ---------------------------------------------------------------------------

    @admin.display(description=_("RIO"))
    def rio_display(self, service):
        # Read only: a page never issues a RIO (lines.portability.rio_issue).
        if service.rio:
            return service.rio
        return no_rio_reason(service.number) or "—"

    @admin.display(description=_("coordonnées"))
    def contact_details_summary(self, service):
        details = service.details_or_none
        if details is None:
            add = reverse("admin:lines_contactdetails_add") + f"?service={service.pk}"
            return format_html('<strong>{}</strong> — <a href="{}">{}</a>', _("Coordonnées manquantes"), add,
                               _("Renseigner"))  # fmt: skip
        change = reverse("admin:lines_contactdetails_change", args=[service.pk])
        who = details.updated_by.get_username() if details.updated_by else "—"
        return format_html(
            "{} ({})<br>{}<br>SIRET {} · {}<br>{} {}, {} · <a href=\"{}\">{}</a>",
            details.display_name, details.get_legal_form_display(), details.full_address,
            details.siret or "—", details.email or "—",
            _("INSEE"), details.commune_id, details.departement, change, _("Modifier"),
        ) + format_html("<br><small>{} {} {}</small>", _("modifié le"),
                        timezone.localtime(details.updated_at).strftime("%d/%m/%Y %H:%M"), f"({who})")  # fmt: skip

    @admin.display(description=_("parution dans les annuaires"))
    def publication_summary(self, service):
        publication = publication_of(service)
        listing = listing_for(service.details_or_none, publication)

        def when(moment):
            return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "—"

        return format_html(
            "{} : {}<br>{} : {} · {} : {}<br>{} : <strong>{}</strong>{}<br>{} {} · {} {}<br>{}",
            _("Publication"), _("Oui") if publication.listed else _("Non"),
            _("Démarchage accepté"), _("Oui") if publication.marketing_accepted else _("Non"),
            _("Annuaire inversé"), _("Oui") if publication.reverse_search else _("Non"),
            _("Statut"), publication.get_status_display(),
            format_html(" — {}", publication.error_reason) if publication.error_reason else "",
            _("programmé le"), when(publication.scheduled_at), _("synchronisé le"), when(publication.synced_at),
            f"{listing.name} · {listing.locality} · {listing.national_number}" if listing else _("Pas de fiche"),
        )  # fmt: skip

    @admin.display(description=_("synchronisations"))
    def sync_runs(self, service):
        batches = (
            SyncBatch.objects.filter(after_id__lt=service.pk, last_id__gte=service.pk)
            .select_related("run")
            .order_by("-run__started_at")[:12]
        )
        return format_html_join(
            "", '<div><a href="{}">#{}</a> {} — {} ({})</div>',
            ((reverse("admin:directory_syncrun_change", args=[batch.run_id]), batch.run_id,
              timezone.localtime(batch.run.started_at).strftime("%d/%m/%Y %H:%M"), batch.run.get_status_display(),
              batch.get_state_display()) for batch in batches),
        ) or "—"  # fmt: skip

    # --- actions -------------------------------------------------------------------------------

    def has_requeue_permission(self, request):
        return request.user.has_perm("directory.requeue_publication")

    def has_withdraw_permission(self, request):
        return request.user.has_perm("directory.withdraw_publication")

    @admin.action(description=_("Reprogrammer pour la prochaine synchronisation"), permissions=["requeue"])
    def requeue(self, request, queryset):
        done = sum(
            publication_requeue_by_support(service=service, actor=request.user) for service in queryset
        )
        skipped = queryset.count() - done
        self.message_user(request, _("%(done)s service(s) reprogrammé(s), %(skipped)s sans fiche à envoyer.")
                          % {"done": done, "skipped": skipped}, messages.SUCCESS)  # fmt: skip

    @admin.action(description=_("Retirer de l'annuaire à la demande de l'abonné"), permissions=["withdraw"])
    def withdraw(self, request, queryset):
        changed = 0
        for service in queryset:
            try:
                changed += publication_withdraw(service=service, actor=request.user).changed
            except ServiceNotEditable as error:
                self.message_user(request, f"{service.national_number} : {error}", messages.WARNING)
        self.message_user(request, _("Retrait programmé pour %(count)s service(s).") % {"count": changed},
                          messages.SUCCESS)  # fmt: skip

    def has_regenerate_rio_permission(self, request):
        return request.user.has_perm("lines.regenerate_rio")

    @admin.action(
        description=_("Régénérer le RIO (à la demande du titulaire)"), permissions=["regenerate_rio"]
    )
    def regenerate_rio(self, request, queryset):
        renewed = sum(rio_regenerate(service=service, actor=request.user) is not None for service in queryset)
        self.message_user(request, _("Nouveau RIO pour %(count)s service(s).") % {"count": renewed},
                          messages.SUCCESS)  # fmt: skip
        if renewed < len(queryset):
            self.message_user(
                request,
                _("%(count)s service(s) sans RIO à remplacer (numéro hors +33, ou coordonnées pas encore "
                  "renseignées) : rien n'a changé pour eux.") % {"count": len(queryset) - renewed},
                messages.WARNING,
            )  # fmt: skip

    def has_terminate_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Résilier (la fiche quitte l'annuaire à la prochaine synchronisation)"),
                  permissions=["terminate"])  # fmt: skip
    def terminate(self, request, queryset):
        count = sum(service_terminate(service=service, actor=request.user) for service in queryset)
        self.message_user(request, _("%(count)s service(s) résilié(s).") % {"count": count}, messages.SUCCESS)

    def get_urls(self):
        check = self.admin_site.admin_view(self.port_out_check_view)
        return [path("portabilite/", check, name="lines_port_out_check"), *super().get_urls()]

    def port_out_check_view(self, request):
        """The porting desk's check: a number, a RIO, optionally the holder's identity."""
        if not request.user.has_perm("lines.check_port_out"):
            raise PermissionDenied
        form = PortOutCheckForm(request.POST or None)
        result = None
        if request.method == "POST" and form.is_valid():
            result = port_out_check(
                **form.cleaned_data, channel="admin", checked_by=request.user.get_username()
            )
        context = {**self.admin_site.each_context(request), "title": _("Vérifier une portabilité"), "form": form,
                   "result": result, "opts": self.model._meta}  # fmt: skip
        return TemplateResponse(request, "admin/lines/port_out_check.html", context)

    @admin.action(description=_("Exporter la sélection (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        """The selection as CSV, every cell neutralised against spreadsheet formulas (a label,
        a name or a login typed as `=HYPERLINK(...)` is written `'=HYPERLINK(...)`:
        telecom_panel.csv_safety)."""
        columns = ["numero", "type", "libelle", "compte", "client", "forme_legale", "titulaire", "siret",
                   "code_postal", "ville", "insee", "departement", "publication", "statut"]  # fmt: skip

        def rows():
            yield columns
            for service in queryset.select_related(
                "billing_account__owner", "contact_details", "publication"
            ).iterator(chunk_size=2000):
                details, publication = service.details_or_none, publication_of(service)
                yield [
                    service.national_number, service.kind, service.label, service.billing_account.reference,
                    service.billing_account.owner.get_username(), details.legal_form if details else "",
                    details.display_name if details else "", details.siret if details else "",
                    details.postcode if details else "", details.city if details else "",
                    details.commune_id if details else "", details.departement if details else "",
                    "oui" if publication.listed else "non", publication.status,
                ]  # fmt: skip

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        response = StreamingHttpResponse(
            (writer.writerow(neutralised_row(row)) for row in rows()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="services-{timezone.localdate():%Y%m%d}.csv"'
        return response


class PortOutCheckForm(forms.Form):
    number = forms.CharField(label=_("Numéro"), max_length=32)
    rio = forms.CharField(label=_("RIO"), max_length=32)
    holder_name = forms.CharField(label=_("Nom ou dénomination du titulaire"), max_length=200, required=False)
    siret = forms.CharField(label=_("SIRET"), max_length=20, required=False)
    postcode = forms.CharField(label=_("Code postal"), max_length=10, required=False)


@admin.register(PortOutCheck)
class PortOutCheckAdmin(admin.ModelAdmin):
    list_display = ("at", "number", "channel", "checked_by", "eligible", "ground")
    list_filter = ("eligible", "ground", "channel")
    readonly_fields = ("at", "number", "service", "channel", "checked_by", "eligible", "ground")
    show_full_result_count = False
    paginator = LargeTablePaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ContactDetailsAdminForm(ContactDetailsForm, PublicationForm, forms.ModelForm):
    """The panel's own form (Informations, Adresse, Parution), for support: the same checks, and
    saving goes through the same service, with the support member as actor."""

    # The panel's radio buttons `commune_choice` (ContactDetailsForm.chosen_commune reads it):
    # hidden until a city names none or several of the postcode's communes, then the list to pick
    # from. Declared here only, so that the panel's and the API's forms never meet it; a code
    # outside the postcode's communes is no choice (lines.communes.resolve_location).
    commune_choice = forms.CharField(label=_("Commune"), required=False, widget=forms.HiddenInput)

    class Meta:
        model = ContactDetails
        fields = ["service"]

    def __init__(self, *args, instance=None, initial=None, **kwargs):
        initial = dict(initial or {})
        if instance is not None and instance.pk:
            initial.update({name: getattr(instance, name) for name in ContactDetailsForm.base_fields})
            initial.update(initial_publication(publication_of(instance.service)))
        stored = instance if instance is not None and instance.pk else None
        super().__init__(*args, instance=instance, initial=initial, stored=stored, **kwargs)

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service") or getattr(self.instance, "service", None)
        if service is not None and service.state != Service.State.ACTIVE:
            raise forms.ValidationError(
                _("Ce service est résilié : ses coordonnées ne peuvent plus être modifiées.")
            )
        self._clean_homonym(service, cleaned)
        return cleaned

    def _clean_location(self, cleaned):
        """The panel's checks, plus what contact_details_apply alone would say: an overseas
        number's address outside its territory, beside the postcode; and the postcode's communes
        to pick from when the city names none or several of them."""
        super()._clean_location(cleaned)
        if self.commune_candidates:
            self.fields["commune_choice"].widget = forms.RadioSelect(
                choices=[
                    (commune.code, f"{commune.name} ({commune.departement})")
                    for commune in self.commune_candidates
                ]
            )
        service = cleaned.get("service") or getattr(self.instance, "service", None)
        if service is None or self.location is None:
            return
        try:
            address_location(service=service, postcode=cleaned["postcode"], city=cleaned["city"],
                             chosen_commune=self.chosen_commune(), stored=self.stored)  # fmt: skip
        except WrongTerritory as wrong:
            self.add_error("postcode", wrong.message)
        except LocationError:
            pass  # said by ContactDetailsForm already

    def _clean_homonym(self, service, cleaned):
        """The homonym rule beside the option, as the panel says it (contact_details_apply would
        refuse it too, but the admin cannot show an exception raised while saving)."""
        if (
            service is None
            or self.location is None
            or cleaned.get("legal_form") != ContactDetails.LegalForm.INDIVIDUAL
            or not cleaned.get("listed")
            or cleaned.get("name_display") != Publication.NameDisplay.INITIAL
        ):
            return
        names = capitalised_details({"last_name": cleaned.get("last_name", ""),
                                     "first_name": cleaned.get("first_name", "")})  # fmt: skip
        if not (names["last_name"] and names["first_name"]):
            return
        printed = initial_name(names["last_name"], names["first_name"])
        stored = self.instance if self.instance.pk else None
        publication = publication_of(service)
        before = listing_for(stored, publication)
        refused = publication.status == Publication.Status.ERROR
        if prints_anew(
            before, printed, stored, self.location.commune.pk, refused=refused
        ) and initial_homonym(service=service, commune_id=self.location.commune.pk, **names):
            self.add_error("name_display", HomonymRefused(printed).message)


@admin.register(ContactDetails)
class ContactDetailsAdmin(admin.ModelAdmin):
    form = ContactDetailsAdminForm
    list_display = ("service", "legal_form", "postcode", "city", "departement", "updated_at", "updated_by")
    list_select_related = ("service", "updated_by")
    show_full_result_count = False
    paginator = LargeTablePaginator

    def get_object(self, request, object_id, from_field=None):
        # The key is the service's (one-to-one), which Django does not guard against an id beyond
        # 64 bits as it does plain integer keys: SQLite raises OverflowError. No such object.
        try:
            return super().get_object(request, object_id, from_field)
        except OverflowError:
            return None

    raw_id_fields = ("service",)
    fieldsets = [
        (None, {"fields": ["service"]}),
        (_("Informations"), {"fields": ["legal_form", "last_name", "first_name", "profession", "company_name",
                                        "designation_complement", "siret", "ape_code", "email"]}),
        (_("Adresse"), {"fields": ["street_number", "street_number_suffix", "street_type", "street_name",
                                   "address_complement", "postcode", "city", "commune_choice", "country"]}),
        (_("Parution dans les annuaires"), {"fields": ["listed", "marketing_accepted", "reverse_search",
                                                       "name_display", "address_display", "line_designation"]}),
    ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return ("service",) if obj else ()

    def get_changeform_initial_data(self, request):
        return {"service": request.GET.get("service")}

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        service = obj.service if change else form.cleaned_data["service"]
        try:
            contact_details_apply(
                service=service,
                details=form.details(),
                publication=form.choices_for(form.cleaned_data["legal_form"]),
                actor=request.user,
                source=ServiceChange.Source.ADMIN,
                chosen_commune=form.chosen_commune(),
            )
        except (LocationError, HomonymRefused, ServiceNotEditable) as refused:
            # The form's clean() says all of these beside their fields; this is what changed
            # between it and the save (the service terminated, an homonym listed meanwhile). Too
            # late for the form: nothing is kept (contact_details_apply's transaction is rolled
            # back, and no log entry is written: log_addition, log_change), support is told and
            # sent back to the form (response_add, response_change).
            request._contact_details_refused = True
            messages.error(request, _refusal_message(refused))
            return
        # The admin logs and redirects with `obj`: make it the record the service saved.
        obj.service_id = service.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def log_addition(self, request, obj, message):
        if not getattr(request, "_contact_details_refused", False):
            return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if not getattr(request, "_contact_details_refused", False):
            return super().log_change(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_contact_details_refused", False):
            return redirect(request.get_full_path())
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_contact_details_refused", False):
            return redirect(request.get_full_path())
        return super().response_change(request, obj)

    def response_post_save_change(self, request, obj):
        return _to_service(obj)

    def response_post_save_add(self, request, obj):
        return _to_service(obj)


def _refusal_message(refused: Exception) -> str:
    """What contact_details_apply's refusal says to support, in the panel's words."""
    if isinstance(refused, (WrongTerritory, HomonymRefused)):
        return refused.message
    if isinstance(refused, LocationError):
        return _("Cette adresse ne correspond à aucune commune.")
    return str(refused)


def _to_service(details):
    return redirect("admin:lines_service_change", details.pk)


@admin.register(BillingAccount)
class BillingAccountAdmin(BoundedSearchMixin, admin.ModelAdmin):
    list_display = ("reference", "label", "owner", "created_at")
    list_select_related = ("owner",)
    search_fields = ("=reference", "=owner__username")
    show_full_result_count = False
    paginator = LargeTablePaginator
    # Moved to now by BillingAccount.save() when support changes the owner: never typed.
    readonly_fields = ("created_at", "owner_since")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
