"""Rate limit for the public directory: a fixed-window counter per client address, in the cache.

The directory is open to anyone, so the limit is what stands between its listings and a scraper
walking every two-letter prefix. A fixed window is the simplest counter: it needs only add and
incr, which both cache back-ends (Redis, local memory) provide without a lock. Its known weakness,
up to twice the limit across a window boundary, does not matter at this scale.

Which address is the client's: REMOTE_ADDR, the peer of the TCP connection, is the only one
nobody can forge. X-Forwarded-For is written by the client itself unless a proxy of ours
rewrites it, so trusting it by default would let a scraper pick a fresh address per request.
Behind N proxies of ours (PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT = N), each appends the address it
received the request from, so the client is the N-th entry from the right; anything to its left
was written by the client and is ignored.
"""

import functools
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

KEY_PREFIX = "annuaire-throttle"


def client_address(request) -> str:
    """The address the limit applies to (see the module docstring for X-Forwarded-For)."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT
    if proxies > 0:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        # Fewer entries than proxies: the request did not come through them; its peer is the client.
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        # No usable address: all such requests share one counter rather than each picking its own.
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        # An IPv6 subscriber usually holds a whole /64 and can rotate within it at will.
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hit(address: str, *, now: float | None = None) -> int | None:
    """Count one request from `address`; None if it is within the limit, else the seconds to wait."""
    window = settings.PUBLIC_DIRECTORY_RATE_WINDOW
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    key = f"{KEY_PREFIX}:{address}:{window_start}"
    # The key carries its window, so an expired counter is never incremented by mistake; the
    # timeout only frees the memory.
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count <= settings.PUBLIC_DIRECTORY_RATE_LIMIT:
        return None
    return max(1, math.ceil(window_start + window - now))


def rate_limited(view):
    """Answer 429 with a French page and Retry-After once the client is over the limit."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        retry_after = hit(client_address(request))
        if retry_after is not None:
            response = render(request, "directory/throttled.html", {"retry_after": retry_after}, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        return view(request, *args, **kwargs)

    return wrapper
