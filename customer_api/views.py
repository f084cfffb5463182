"""The panel's pages for API access (issue 12): Accès API (the customer's applications and keys,
each revocable), a new application (its secret shown once), the consent page a `validationUrl`
opens, and the API help page.

Every object is found through the signed-in customer (`_own_applications`, `_visible_keys`):
another customer's application or key is a 404, never a 403 that confirms it exists. Writes go
through customer_api.services; the secret of a new application is rendered into that one answer
and kept nowhere (not in the session, not in a message, not in a log).
"""

import functools
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from telecom_panel.french import first_of_month

from . import services
from .forms import ApiApplicationForm, ConsentForm
from .models import ApiApplication, ConsumerKey
from .rights import rules_described

KEYS_PER_PAGE = 50
APPLICATIONS_SHOWN = 50  # at most 20 not revoked (services.APPLICATIONS_PER_CUSTOMER), the rest revoked
TOKEN_FIELD = "credentialToken"  # the consent link's query parameter, as OVHcloud names it
MAX_TOKEN_LENGTH = 200  # ours are 64 characters; anything much longer is no token of ours
EXAMPLE_SCRIPT = Path(__file__).with_name("example_script.py")


def _see_other(url):
    """303: after a POST, the browser GETs the next page; a reload never submits again."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _own_applications(user):
    return ApiApplication.objects.filter(owner=user)


def _visible_keys(user):
    """The keys a customer sees and may revoke: those that act for them (whatever the application),
    and the keys of their own applications still waiting for someone's consent. A key that another
    customer authorised for this customer's application is that other customer's business."""
    return ConsumerKey.objects.filter(
        Q(owner=user) | Q(application__owner=user, state=ConsumerKey.State.PENDING)
    )


def _date(value):
    return first_of_month(formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")) if value else ""


def _key_row(key, user, now):
    """What the Accès API page shows of one key: its state as the customer understands it (an
    authorised key past its expiry is expired), its rights in plain French beside the exact rules."""
    lapsed = key.state == ConsumerKey.State.VALIDATED and key.expires_at is not None and key.expires_at <= now
    state = ConsumerKey.State.EXPIRED if lapsed else ConsumerKey.State(key.state)
    rules = key.rules if isinstance(key.rules, list) else []
    return {
        "key": key,
        "state": state,
        "state_label": state.label,
        "revocable": state in (ConsumerKey.State.PENDING, ConsumerKey.State.VALIDATED),
        "rights": list(zip(rules_described(rules), rules, strict=True)),
        "allowed_ips": [str(block) for block in key.allowed_ips or []],
        "own_application": key.application.owner_id == user.pk,
    }


@require_safe
@login_required
def api_access(request):
    """Accès API: the customer's applications, then the keys they see, grouped by application and
    paginated (a script that asks for a key at every run leaves hundreds): a fixed number of
    queries whatever their number."""
    now = timezone.now()
    applications = list(
        _own_applications(request.user).order_by(
            F("revoked_at").desc(nulls_first=True), "-created_at", "-pk"
        )[: APPLICATIONS_SHOWN + 1]
    )
    keys = (
        _visible_keys(request.user)
        .select_related("application")
        .order_by("-application__created_at", "application_id", "-created_at", "-pk")
    )
    page = Paginator(keys, KEYS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "customer_api/access.html",
        {
            "applications": applications[:APPLICATIONS_SHOWN],
            "more_applications": len(applications) > APPLICATIONS_SHOWN,
            "page": page,
            "rows": [_key_row(key, request.user, now) for key in page],
            "limit": services.APPLICATIONS_PER_CUSTOMER,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def api_application_create(request):
    """A new application: on success, its key and its secret, shown in this answer only."""
    form = ApiApplicationForm(request.POST) if request.method == "POST" else ApiApplicationForm()
    if request.method == "POST" and form.is_valid():
        try:
            created = services.api_application_create(
                owner=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except services.TooManyApplications:
            form.add_error(None, _too_many_message())
        else:
            response = render(
                request,
                "customer_api/application_created.html",
                {"application": created.application, "secret": created.secret},
            )
            add_never_cache_headers(response)  # no-store: the secret stays in no cache
            return response
    at_limit = (
        _own_applications(request.user).filter(revoked_at__isnull=True).count()
        >= services.APPLICATIONS_PER_CUSTOMER
    )
    return render(
        request,
        "customer_api/application_create.html",
        {"form": form, "at_limit": at_limit, "too_many": _too_many_message()},
        status=400 if request.method == "POST" else 200,
    )


def _too_many_message():
    return _(
        "Vous avez déjà %(limit)s applications actives : révoquez-en une sur la page Accès API avant d'en "
        "créer une autre."
    ) % {"limit": services.APPLICATIONS_PER_CUSTOMER}


@require_POST
@login_required
def api_application_revoke(request, pk):
    """Revokes one of the customer's applications: its key and every key it acts with end now."""
    application = get_object_or_404(_own_applications(request.user), pk=pk)
    if services.api_application_revoke(application=application):
        messages.success(
            request,
            _(
                "L'application « %(name)s » est révoquée : ni elle ni aucune de ses clés d'accès ne "
                "fonctionnent plus."
            )
            % {"name": application.name},
        )
    else:
        messages.info(
            request, _("L'application « %(name)s » était déjà révoquée.") % {"name": application.name}
        )
    return _see_other(reverse("api_access"))


@require_POST
@login_required
def api_key_revoke(request, pk):
    """Revokes a key that acts for the customer, or a pending key of their own application."""
    key = get_object_or_404(_visible_keys(request.user).select_related("application"), pk=pk)
    if services.consumer_key_expire(consumer_key=key):
        messages.success(
            request,
            _("La clé d'accès n° %(id)s de « %(name)s » est révoquée : elle ne fonctionne plus.")
            % {"id": key.pk, "name": key.application.name},
        )
    else:
        messages.info(request, _("Cette clé d'accès ne fonctionnait déjà plus."))
    return _see_other(reverse("api_access"))


def _redirection(url: str) -> str:
    """The application's page to return to, if it is an http(s) URL that can be sent as it is."""
    if not url or any(ord(char) <= 32 or ord(char) == 127 for char in url):
        return ""
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def _consent_link_gone(request):
    """Unknown, too old, already answered, or its application revoked: one page for all (status 404)."""
    hours = int(services.CONSENT_LINK_VALIDITY.total_seconds() // 3600)
    return render(request, "customer_api/consent_invalid.html", {"hours": hours}, status=404)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def api_consent(request):
    """The page a `validationUrl` opens: what the application asks for, for how long, and the
    customer's answer. Authorised, the key acts for this customer (whoever owns the application:
    that is the delegation); either way the browser then goes back to the application's
    `redirection` when it is an http(s) URL."""
    if request.method == "POST":
        token = request.POST.get(TOKEN_FIELD) or request.GET.get(TOKEN_FIELD, "")
    else:
        token = request.GET.get(TOKEN_FIELD, "")
    key = services.consumer_key_for_consent(token) if 0 < len(token) <= MAX_TOKEN_LENGTH else None
    if key is None:
        return _consent_link_gone(request)
    target = _redirection(key.redirection)
    form = ConsentForm(request.POST) if request.method == "POST" else ConsentForm()
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision == "refuser":
            try:
                services.consumer_key_decide(consumer_key=key, owner=request.user, authorise=False)
            except services.ConsumerKeyDecided:
                return _consent_link_gone(request)
            if not target:
                messages.info(
                    request,
                    _("Vous avez refusé l'accès à l'application « %(name)s ».")
                    % {"name": key.application.name},
                )
            return _see_other(target or reverse("api_access"))
        if decision == "autoriser" and form.is_valid():
            try:
                decided = services.consumer_key_decide(
                    consumer_key=key,
                    owner=request.user,
                    authorise=True,
                    validity=form.cleaned_data["validity"],
                )
            except services.ConsumerKeyDecided:
                return _consent_link_gone(request)
            if not target:
                messages.success(request, _authorised_message(decided))
            return _see_other(target or reverse("api_access"))
        if decision not in ("autoriser", "refuser"):
            form.add_error(None, _("Choisissez « Autoriser » ou « Refuser »."))
        status = 400
    rules = key.rules if isinstance(key.rules, list) else []
    return render(
        request,
        "customer_api/consent.html",
        {
            "key": key,
            "application": key.application,
            "rights": list(zip(rules_described(rules), rules, strict=True)),
            "allowed_ips": [str(block) for block in key.allowed_ips or []],
            "form": form,
            "token": token,
            "token_field": TOKEN_FIELD,
            "redirection_host": urlsplit(target).hostname if target else "",
        },
        status=status,
    )


def _authorised_message(key):
    name = key.application.name
    if key.expires_at is None:
        return _("L'application « %(name)s » peut accéder à votre compte, sans limite de durée.") % {
            "name": name
        }
    return _("L'application « %(name)s » peut accéder à votre compte jusqu'au %(date)s.") % {
        "name": name,
        "date": _date(key.expires_at),
    }


@functools.cache
def example_script() -> str:
    """The text of customer_api/example_script.py, as the help page shows it."""
    return EXAMPLE_SCRIPT.read_text(encoding="utf-8")


def api_base() -> str:
    """The API's base URL as customers' scripts reach it."""
    base = getattr(settings, "PUBLIC_API_BASE", None) or f"{settings.PANEL_URL}/1.0"
    return base.rstrip("/")


@require_safe
def api_help(request):
    """API: how to point OVHcloud's official clients at this server, a complete example script,
    the limits and the error codes. Public, so it can be read before signing up."""
    return render(
        request,
        "customer_api/help.html",
        {
            "base": api_base(),
            "script": example_script(),
            "per_key": getattr(settings, "API_RATE_LIMIT_PER_KEY", 600),
            "per_address": getattr(settings, "API_RATE_LIMIT_PER_ADDRESS", 60),
        },
    )
