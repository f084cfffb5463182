"""Rate limits for the public directory: fixed-window counters in the cache, per client network
and for all clients together.

The directory is open to anyone; the limits, with the minimum query and the cap on results
(directory.views), are what stands between its listings and a scraper. A request counts against
every bucket it belongs to:

- its IPv4 address (an IPv4-mapped IPv6 address is its IPv4 address);
- for IPv6, its /64, which a subscriber usually holds whole and can rotate within at will, and its
  /48, the usual allocation to one site: 65,536 /64s, so a /48 gets a budget of its own, larger
  than one /64's (PUBLIC_DIRECTORY_RATE_LIMIT_48) but shared by all of them;
- "unknown" when no address can be read: one bucket shared by all such requests, never a fresh
  one per request;
- the global bucket (PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT), which bounds what a scraper spread over
  many networks can take. It counts only the requests their client's buckets let through: one
  client hammering past its own limit must not close the directory to everyone else.

A request over any limit gets 429 with Retry-After, the end of the current window (every bucket
has the same windows).

The counters are fixed windows (telecom_panel.counters): up to twice a limit across a window
boundary, which does not matter at this scale.

Which address is the client's: telecom_panel.client_address (X-Forwarded-For only from our own
proxies), the same rule as the sign-in lockout's.
"""

import functools
import ipaddress
import math
import time
from typing import NamedTuple

from django.conf import settings
from django.shortcuts import render

from telecom_panel import counters
from telecom_panel.client_address import Address, client_address

KEY_PREFIX = "annuaire-throttle"
UNKNOWN = "unknown"
GLOBAL = "global"


class Refusal(NamedTuple):
    retry_after: int  # seconds to the end of the window
    everyone: bool  # the global limit: the client itself did nothing wrong


def client_buckets(address: Address | None) -> list[tuple[str, int]]:
    """The buckets of a client, each with its limit per window."""
    limit = settings.PUBLIC_DIRECTORY_RATE_LIMIT
    if address is None:
        return [(UNKNOWN, limit)]
    if address.version == 4:
        return [(f"ip:{address}", limit)]
    return [
        (f"64:{ipaddress.ip_network((address, 64), strict=False)}", limit),
        (f"48:{ipaddress.ip_network((address, 48), strict=False)}", settings.PUBLIC_DIRECTORY_RATE_LIMIT_48),
    ]


def count(bucket: str, window_start: int, window: int) -> int:
    return counters.count(f"{KEY_PREFIX}:{bucket}", window_start, window)


def hit(address: Address | None, *, now: float | None = None) -> Refusal | None:
    """Count one request from `address`; None if it is within every limit."""
    window = settings.PUBLIC_DIRECTORY_RATE_WINDOW
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    retry_after = max(1, math.ceil(window_start + window - now))
    # Every bucket of the client is counted, even once one of them is over its limit.
    counts = [(count(bucket, window_start, window), limit) for bucket, limit in client_buckets(address)]
    if any(counted > limit for counted, limit in counts):
        return Refusal(retry_after, everyone=False)
    if count(GLOBAL, window_start, window) > settings.PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT:
        return Refusal(retry_after, everyone=True)
    return None


def rate_limited(view):
    """Answer 429 with a French page and Retry-After once the client, or everyone, is over a limit."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        refusal = hit(client_address(request))
        if refusal is not None:
            response = render(request, "directory/throttled.html", refusal._asdict(), status=429)
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return view(request, *args, **kwargs)

    return wrapper
