"""The customer's own account: password, and the optional second factor (TOTP, django-otp)."""

import base64
import hashlib
import logging
import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from telecom_panel import counters

from .forms import EmailPreferencesForm, TokenForm
from .signin import client_ip, unlock_after_reset

logger = logging.getLogger(__name__)


def _next_or(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _confirmed(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True)


@require_safe
@login_required
def security(request):
    return render(request, "accounts/security.html", {
        "second_factor": _confirmed(request.user).exists(),
        "email_form": EmailPreferencesForm(instance=request.user),
    })  # fmt: skip


@require_POST
@login_required
def email_preferences(request):
    """The language of our e-mails and the monthly reminder (Mon compte)."""
    form = EmailPreferencesForm(request.POST, instance=request.user)
    if form.is_valid():
        # These two columns only: a full save would write back the rest of the row as this request
        # read it, undoing a password change or a deactivation made meanwhile.
        form.instance.save(update_fields=["language", "details_reminders"])
        messages.success(request, _("Vos préférences d'e-mail sont enregistrées."))
    else:
        messages.error(request, _("Choix invalide : rien n'a été enregistré."))
    return redirect("account_security")


@require_POST
@login_required
def otp_start(request):
    """A new secret, not active until a code from it is typed back (otp_setup). Only without a
    device: replacing one goes through turning it off, which takes one of its codes."""
    if _confirmed(request.user).exists():
        messages.error(request, _("La double authentification est déjà active : désactivez-la d'abord."))
        return redirect("account_security")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        TOTPDevice.objects.create(
            user=request.user, name=_("Application d'authentification"), confirmed=False
        )
    response = redirect(f"{reverse('otp_setup')}?{request.GET.urlencode()}")
    response.status_code = 303  # after a POST, the browser GETs the set-up page
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def otp_setup(request):
    if _confirmed(request.user).exists():  # one device at a time; never replaced from here
        return redirect("account_security")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("-pk").first()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("La double authentification est activée."))
            return redirect(_next_or(request, reverse("account_security")))
        form.add_error(
            "otp_token", _("Ce code ne correspond pas : vérifiez l'heure de votre téléphone et réessayez.")
        )
    context = {"device": device, "form": form, "next": _next_or(request, "")}
    if device is not None:
        context["secret"] = " ".join(
            base64.b32encode(device.bin_key).decode()[i : i + 4] for i in range(0, 32, 4)
        ).strip()
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#111", light="#fff"
        )
    return render(request, "accounts/otp_setup.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def otp_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in _confirmed(request.user):
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                form.add_error(
                    "otp_token", _("Trop d'essais : patientez quelques secondes avant de réessayer.")
                )
                break
            if device.verify_token(form.cleaned_data["otp_token"]):
                otp_login(request, device)
                return redirect(_next_or(request, reverse("home")))
        else:
            form.add_error("otp_token", _("Ce code ne correspond pas."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_or(request, "")})


@require_POST
@login_required
def otp_disable(request):
    """Turning it off takes a current code, so a session left open is not enough."""
    form = TokenForm(request.POST)
    if form.is_valid() and any(
        d.verify_token(form.cleaned_data["otp_token"]) for d in _confirmed(request.user)
    ):
        TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, _("La double authentification est désactivée."))
    else:
        messages.error(request, _("Code incorrect : la double authentification reste active."))
    return redirect("account_security")


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset by e-mail, with a ceiling so that the form cannot flood someone's mailbox:
    PASSWORD_RESET_MAILS_PER_HOUR per address asked for, and ten times that per client. Over it
    the answer is the same page, so it tells nothing, but no e-mail leaves."""

    def form_valid(self, form):
        hour = 3600
        window_start = int(time.time() // hour) * hour
        limit = settings.PASSWORD_RESET_MAILS_PER_HOUR
        mailbox = hashlib.sha256(form.cleaned_data["email"].casefold().encode()).hexdigest()[:32]
        over = counters.count(f"reset-mail:{mailbox}", window_start, hour) > limit
        over |= counters.count(f"reset-client:{client_ip(self.request)}", window_start, hour) > 10 * limit
        if over:
            logger.warning("password reset: hourly ceiling reached, no e-mail sent")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class UnlockingPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's new-password page; the new password also ends the account's sign-in lockout, as
    the locked-out page promises."""

    def form_valid(self, form):
        response = super().form_valid(form)
        unlock_after_reset(form.user)
        return response
