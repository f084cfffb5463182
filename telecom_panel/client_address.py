"""Which address a request comes from, behind our own reverse proxies and no one else's.

REMOTE_ADDR, the peer of the TCP connection, is the only address nobody can forge. X-Forwarded-For
is whatever the client wrote, plus what each proxy on the way appended (the address it received
the request from). So it is read only when the peer is one of our proxies
(PUBLIC_DIRECTORY_TRUSTED_PROXIES, networks parsed in the settings; empty by default: trust
nobody), from the right: entries that are themselves our proxies are skipped, and the first other
one is the client. Everything to its left was written by the client and is ignored. An entry that
is not a bare IP address on the way makes the client unknown (None); a chain made only of our
proxies names an internal client, its leftmost entry.

Used by the public directory's rate limits (directory.throttle) and the sign-in lockout
(accounts.signin).
"""

import ipaddress

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str) -> Address | None:
    """The address `text` is, as REMOTE_ADDR or an X-Forwarded-For entry writes it; None if it
    is not one. An IPv4-mapped IPv6 address is its IPv4 address; a zone (`fe80::1%eth0`) is dropped."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if address.version == 6:
        return address.ipv4_mapped or ipaddress.IPv6Address(int(address))
    return address


def is_trusted_proxy(address: Address) -> bool:
    return any(address in network for network in settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES)


def client_address(request) -> Address | None:
    """The client's address (see the module docstring for X-Forwarded-For); None when unknown."""
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    if address is None or not is_trusted_proxy(address):
        return address
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = header.split(",") if header.strip() else []
    for entry in reversed(entries):
        address = parse_address(entry)
        if address is None or not is_trusted_proxy(address):
            return address
    # Only our proxies (or none, the proxy asking itself): the leftmost is where it started.
    return address


# What only a proxy of ours may tell about a request: where it came from, and that it was HTTPS.
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")


class ForwardedHeadersMiddleware:
    """First of all: from a peer that is not one of our proxies, the X-Forwarded-* headers are
    dropped before anything reads them, so that a client cannot claim HTTPS (Django's
    SECURE_PROXY_SSL_HEADER, in production) nor another address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        peer = parse_address(request.META.get("REMOTE_ADDR", ""))
        if peer is None or not is_trusted_proxy(peer):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
