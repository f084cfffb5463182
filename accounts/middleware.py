"""Session idle expiry and the second-factor gate: what a signed-in request must pass first."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device

LAST_SEEN = "last_seen"
STARTED = "signed_in_at"
# Writing the session on every request would cost a write per page; a minute's precision is enough.
LAST_SEEN_PRECISION = 60


class IdleSessionMiddleware:
    """Signs out a session that made no request for SESSION_IDLE_TIMEOUT seconds, or that began
    more than SESSION_MAX_AGE seconds ago whatever its activity (saving a session moves its
    cookie's expiry forward, so the cookie alone never ends an active one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(LAST_SEEN)
            started = session.setdefault(STARTED, now)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(
                    request,
                    _("Votre session a pris fin après %(minutes)s minutes sans activité : reconnectez-vous.")
                    % {"minutes": settings.SESSION_IDLE_TIMEOUT // 60},
                )
            elif now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(
                    request,
                    _("Votre session a pris fin après %(hours)s heures : reconnectez-vous.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            elif last_seen is None or now - last_seen >= LAST_SEEN_PRECISION:
                session[LAST_SEEN] = now
        return self.get_response(request)


# What a signed-in user may open before passing the second factor: the code page when they have a
# device; the set-up pages only when they have none yet (staff who must set one up). Opening the
# set-up to a user with a device would let the password alone replace that device.
OPEN_WITH_A_DEVICE = {"otp_verify", "logout", "set_language"}
OPEN_TO_SET_ONE_UP = {"otp_setup", "otp_start", "logout", "set_language"}


class SecondFactorMiddleware:
    """A user with a confirmed TOTP device, or a member of staff when OTP_REQUIRED_FOR_STAFF is on,
    is sent to the code page (or to set up a device) until this session has passed it; the
    admin included, since it goes through the same session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified():
            has_device = user_has_device(user, confirmed=True)
            if has_device or (user.is_staff and settings.OTP_REQUIRED_FOR_STAFF):
                try:
                    name = resolve(request.path_info).url_name
                except Resolver404:
                    name = None
                if name not in (OPEN_WITH_A_DEVICE if has_device else OPEN_TO_SET_ONE_UP):
                    target = "otp_verify" if has_device else "otp_setup"
                    return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
