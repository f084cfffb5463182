"""Sign-in helpers shared by django-axes and the second-factor views."""

import ipaddress

from axes.utils import reset as axes_reset
from django.conf import settings
from django.shortcuts import render

from telecom_panel.client_address import client_address

USERNAME_MAX_LENGTH = 150  # Django's AbstractUser.username


def client_ip(request) -> str | None:
    """The address django-axes counts failures against: the client behind our trusted proxies
    (the same rule as the public directory's limit), and for IPv6 its whole /64, which one
    subscriber holds and can rotate within at will."""
    address = client_address(request)
    if address is None:
        return None
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def username_of(request, credentials) -> str:
    """The account name django-axes counts failures for, cut to what a username can be: a longer
    one names no account, and would not fit axes' column (a 500 on PostgreSQL)."""
    if credentials:
        name = credentials.get("username")
    else:
        name = request.POST.get("username") if request is not None else None
    return str(name or "")[:USERNAME_MAX_LENGTH]


def lockout_response(request, original_response, credentials):
    """django-axes' answer to a locked-out sign-in: a French page saying how long, 429."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60))
    response = render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How django-axes names a client in its log lines: enough for support to recognise an account
    and a network, never a whole identifier or address in clear."""
    name = f"{username[:2]}…" if username else "?"
    try:
        address = ipaddress.ip_address(ip_address or "")
    except ValueError:
        network = "?"
    else:
        network = str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 48}", strict=False))
    return f"{{username: {name}, network: {network}, path: {path_info}}}"


def forget_own_failures(sender, request, user, **kwargs):
    """On a successful sign-in, forget the failures of this account from this address only.
    (django-axes' own reset on success deletes every failure of the address, those against
    other accounts included: signing in to one's own account would clear a password spray.)"""
    if request is not None:
        axes_reset(ip=client_ip(request), username=user.get_username())


def unlock_after_reset(user):
    """A new password chosen through the e-mail link ends the account's lockout."""
    axes_reset(username=user.get_username())
