"""Customer panel pages. Every view finds objects through the signed-in customer (`_service_for`),
so another customer's service, account or history entry is a 404, never a 403 that confirms it
exists. Mutations are POST only and go through lines.services."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from directory.listing import listing_flags, listing_for
from directory.models import Publication
from directory.schedule import next_directory_update
from directory.services import HomonymRefused, Outcome, publication_of
from telecom_panel.french import first_of_month

from .communes import LocationError, WrongTerritory, communes_for_postcode
from .forms import ContactDetailsForm, PublicationForm, initial_publication
from .history import history_entry
from .models import BulkApplyJob, BulkApplyTarget, Service, ServiceChange
from .phone import number_prefix
from .portability import no_rio_reason
from .services import ServiceNotEditable, bulk_apply_start, contact_details_apply

SERVICES_PER_PAGE = 50
CHANGES_PER_PAGE = 20
JOB_ROWS_PER_PAGE = 100
JOB_REFRESH_SECONDS = 2


def _service_for(request, number):
    services = Service.objects.owned_by(request.user).select_related(
        "billing_account",
        "contact_details__commune",
        "contact_details__arrondissement",
        "publication",
    )
    return get_object_or_404(services, number=number)


def _next_update_text():
    return first_of_month(formats.date_format(timezone.localtime(next_directory_update()), "DATE_FORMAT"))


@require_safe
@login_required
def home(request):
    return redirect("service_list")


@require_safe
@login_required
def service_list(request):
    """Téléphonie: the customer's services, filtered, searched and paginated."""
    accounts = list(request.user.billing_accounts.order_by("reference"))
    services = Service.objects.owned_by(request.user).select_related(
        "billing_account", "contact_details", "publication"
    )
    query = request.GET.get("q", "").strip()[:50]
    account = request.GET.get("compte", "")
    kind = request.GET.get("type", "")
    state = request.GET.get("etat", "")
    if query:
        prefix = number_prefix(query)
        services = (
            services.filter(number__startswith=prefix) if prefix else services.filter(label__icontains=query)
        )
    if account:
        if account not in {billing_account.reference for billing_account in accounts}:
            raise Http404  # another customer's account: not even its existence is confirmed
        services = services.filter(billing_account__reference=account)
    if kind in Service.Kind.values:
        services = services.filter(kind=kind)
    if state == "a-completer":
        services = services.active().filter(contact_details__isnull=True)
    elif state in Publication.Status.values:
        services = services.filter(publication__status=state)
    page = Paginator(services.order_by("billing_account__reference", "number"), SERVICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "lines/service_list.html",
        {
            "accounts": accounts,
            "page": page,
            "query": query,
            "account": account,
            "kind": kind,
            "state": state,
            "kinds": Service.Kind.choices,
            "statuses": Publication.Status.choices,
            "filters": filters.urlencode(),
        },
    )


def _tab_context(request, service, tab):
    return {
        "service": service,
        "tab": tab,
        "details": service.details_or_none,
        "publication": publication_of(service),
    }


@require_safe
@login_required
def service_overview(request, number):
    """ "Vue d'ensemble" for a line, "Mon numéro" for a number; both show the RIO, as stored: a
    page never issues one (lines.portability.rio_issue), a GET writes nothing."""
    service = _service_for(request, number)
    context = _tab_context(request, service, "overview")
    active = service.state == Service.State.ACTIVE
    context["rio"] = service.rio if active else ""
    context["no_rio_reason"] = no_rio_reason(service.number)
    context["rio_to_come"] = active and not service.rio and context["no_rio_reason"] is None
    return render(request, "lines/service_overview.html", context)


@require_safe
@login_required
def service_contact(request, number):
    """The Coordonnées tab: details, publication status with dates, and the listing preview."""
    service = _service_for(request, number)
    context = _tab_context(request, service, "contact")
    listing = listing_for(context["details"], context["publication"])
    last_change = service.changes.only("at").first()
    details = context["details"]
    context.update(
        listing=listing,
        listing_flags=listing_flags(listing) if listing else [],
        last_changed_at=last_change.at if last_change else (details.updated_at if details else None),
        next_update=next_directory_update(),
    )
    return render(request, "lines/service_contact.html", context)


def _success_message(outcome, changed, listed):
    when = _next_update_text()
    if not changed:
        return _("Aucune modification : vos coordonnées étaient déjà à jour.")
    return {
        Outcome.PUBLICATION_SCHEDULED: _(
            "Coordonnées enregistrées. Votre parution est programmée : elle sera transmise aux annuaires "
            "lors de leur prochaine mise à jour, le %(date)s, et visible sous 1 à 30 jours."
        ),
        Outcome.UPDATE_SCHEDULED: _(
            "Coordonnées enregistrées. La mise à jour de votre parution sera transmise aux annuaires le "
            "%(date)s et visible sous 1 à 30 jours."
        ),
        Outcome.WITHDRAWAL_SCHEDULED: _(
            "Coordonnées enregistrées. Le retrait de l'annuaire sera transmis aux annuaires le %(date)s : "
            "votre numéro en disparaîtra sous 1 à 30 jours."
        ),
        Outcome.CANCELLED: _(
            "Coordonnées enregistrées. Votre demande de parution est annulée : rien n'avait encore été "
            "transmis aux annuaires."
        ),
        Outcome.UNCHANGED: _(
            "Coordonnées enregistrées. Ce qui paraît dans l'annuaire ne change pas : aucune mise à jour "
            "n'est nécessaire."
        )
        if listed
        else _("Coordonnées enregistrées. Elles ne sont pas publiées dans l'annuaire."),
    }[outcome] % {"date": when}


def _siblings(service):
    """The other active services of the same billing account, the targets of "apply to others"."""
    return (
        Service.objects.active()
        .filter(billing_account_id=service.billing_account_id)
        .exclude(pk=service.pk)
        .select_related("contact_details")
        .order_by("number")
    )


def _selected_targets(request, service):
    siblings = _siblings(service)
    if request.POST.get("apply_to_all") == "on":
        return list(siblings.select_related("publication"))
    wanted = request.POST.getlist("targets")[:10_000]
    # Only numbers of this account count: anything else posted is ignored, never applied.
    return list(
        siblings.filter(number__in=[f"+{digits}" for digits in wanted if digits.isdigit()]).select_related(
            "publication"
        )
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def service_contact_edit(request, number):
    """ "Modifier les coordonnées": Informations, Adresse, Parution dans les annuaires."""
    service = _service_for(request, number)
    if service.state != Service.State.ACTIVE:
        messages.error(request, _("Ce service est résilié : ses coordonnées ne peuvent plus être modifiées."))
        return redirect("service_contact", number=service.number)
    details = service.details_or_none
    publication = publication_of(service)
    if request.method == "POST":
        details_form = ContactDetailsForm(request.POST, stored=details)
        publication_form = PublicationForm(request.POST)
        if details_form.is_valid() and publication_form.is_valid():
            targets = _selected_targets(request, service)
            try:
                with transaction.atomic():
                    result = contact_details_apply(
                        service=service,
                        details=details_form.details(),
                        publication=publication_form.choices_for(details_form.cleaned_data["legal_form"]),
                        actor=request.user,
                        source=ServiceChange.Source.PANEL,
                        chosen_commune=details_form.chosen_commune(),
                    )
            except WrongTerritory as wrong:
                details_form.add_error("postcode", wrong.message)
            except HomonymRefused as homonym:
                publication_form.add_error("name_display", homonym.message)
            except LocationError:
                details_form.add_error("city", _("Cette adresse ne correspond à aucune commune."))
            except ServiceNotEditable as error:
                messages.error(request, str(error))
                return redirect("service_contact", number=service.number)
            else:
                messages.success(
                    request,
                    _success_message(result.outcome, result.changed, publication_form.cleaned_data["listed"]),
                )
                if targets:
                    job = bulk_apply_start(source=service, targets=targets, actor=request.user)
                    return _see_other(reverse("bulk_apply_job", args=[job.pk]))
                return redirect("service_contact", number=service.number)
    else:
        initial = {name: getattr(details, name) for name in ContactDetailsForm.base_fields} if details else {}
        details_form = ContactDetailsForm(initial=initial)
        publication_form = PublicationForm(initial=initial_publication(publication))
    context = _tab_context(request, service, "contact")
    context.update(
        details_form=details_form,
        publication_form=publication_form,
        siblings=_siblings(service),
        selected_targets=set(request.POST.getlist("targets")),
        next_update=next_directory_update(),
    )
    return render(
        request, "lines/service_contact_edit.html", context, status=400 if request.method == "POST" else 200
    )


@require_safe
@login_required
def postcode_communes(request, postcode):
    """The communes a postcode serves, as JSON, for the form's list of cities (static/js/
    contact-form.js): reference data only, no customer's; one indexed query. Five ASCII digits
    only: anything else is a 404, before any query."""
    if not re.fullmatch(r"[0-9]{5}", postcode):
        raise Http404
    communes = [{"code": commune.code, "name": commune.name} for commune in communes_for_postcode(postcode)]
    return JsonResponse({"postcode": postcode, "communes": communes})


def _see_other(url):
    """303: after a POST, the browser GETs the job page; a reload never submits again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def bulk_apply(request):
    """Apply one service's contact details to other services of its billing account: the POST
    records a job (lines.services.bulk_apply_start) and sends to its page; a task does the work."""
    number = request.GET.get("source") or request.POST.get("source", "")
    if not re.fullmatch(r"[1-9][0-9]{6,14}", number):
        raise Http404
    source = _service_for(request, f"+{number}")
    if source.details_or_none is None:
        messages.error(request, _("Ce service n'a pas encore de coordonnées à appliquer aux autres."))
        return redirect("service_contact", number=source.number)
    if request.method == "POST":
        targets = _selected_targets(request, source)
        if targets:
            job = bulk_apply_start(source=source, targets=targets, actor=request.user)
            return _see_other(reverse("bulk_apply_job", args=[job.pk]))
        messages.error(request, _("Cochez au moins un service."))
    return render(
        request,
        "lines/bulk_apply.html",
        {
            "source": source,
            "details": source.contact_details,
            "siblings": _siblings(source),
            "selected_targets": set(request.POST.getlist("targets")),
        },
    )


@require_safe
@login_required
def bulk_apply_job(request, job_id):
    """A bulk apply job: its progress while it runs (the page reloads itself, no script needed),
    then what happened to each service. Its owner's only: anyone else gets a 404."""
    job = get_object_or_404(BulkApplyJob.objects.select_related("source"), pk=job_id, owner=request.user)
    context = {"job": job, "source": job.source, "applied": job.done - job.failed}
    if not job.in_progress:
        rows = job.targets.select_related("service").order_by(
            Case(
                When(result=BulkApplyTarget.Result.FAILED, then=Value(0)),
                When(result=BulkApplyTarget.Result.PENDING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            "service__number",
            "pk",
        )
        page = Paginator(rows, JOB_ROWS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            page=page,
            not_done=job.total - job.done,
            rows=[
                {
                    "service": target.service,
                    "result": target.result,
                    "error": target.error,
                    "outcome": Outcome(target.outcome).label if target.outcome in Outcome.values else "",
                }
                for target in page
            ],
        )
    response = render(request, "lines/bulk_job.html", context)
    if job.in_progress:
        response["Refresh"] = str(JOB_REFRESH_SECONDS)  # as <meta http-equiv="refresh">, from the server
    return response


@require_safe
@login_required
def service_emergency(request, number):
    """For a line: where its emergency calls are routed, from the installation address."""
    service = _service_for(request, number)
    if service.kind != Service.Kind.LINE:
        raise Http404
    return render(request, "lines/service_emergency.html", _tab_context(request, service, "emergency"))


@require_safe
@login_required
def service_history(request, number):
    """Who changed what and when, consent changes included; what was recorded before the account
    came to this customer shows only its date and what kind of change it was (lines.history)."""
    service = _service_for(request, number)
    page = Paginator(service.changes.select_related("actor"), CHANGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    owner_since = service.billing_account.owner_since
    entries = [history_entry(change, request.user, owner_since=owner_since) for change in page]
    context = _tab_context(request, service, "history")
    context.update(page=page, entries=entries)
    return render(request, "lines/service_history.html", context)


@require_safe
@login_required
def service_change(request, number, change_id):
    service = _service_for(request, number)
    change = get_object_or_404(
        ServiceChange.objects.visible_to(request.user).select_related("actor"), pk=change_id, service=service
    )
    entry = history_entry(change, request.user, owner_since=service.billing_account.owner_since)
    if entry.earlier:
        raise Http404  # the former owner's: the list shows its date and kind, nothing more
    context = _tab_context(request, service, "history")
    context.update(change=change, actor=entry.actor, fields=entry.fields, outcome_label=entry.outcome)
    return render(request, "lines/service_change.html", context)
