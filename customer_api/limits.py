"""Request limits of the API (contract 1.11): per consumer key for signed calls, per address for the
calls that need no key. Counted in the shared cache (Redis in production, so every worker sees the
same count) per fixed minute: simple, and at worst twice the limit across a minute's edge."""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds


def retry_after(bucket: str, limit: int, *, now: float | None = None) -> int | None:
    """Counts one request in `bucket`; None if within `limit` per minute, else the seconds to wait."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"api-limit:{bucket}:{window}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW + 5)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * WINDOW - now))


def per_key(consumer_key_id: int) -> int | None:
    return retry_after(f"key:{consumer_key_id}", settings.API_RATE_LIMIT_PER_KEY)


def per_address(address: str) -> int | None:
    return retry_after(f"address:{address}", settings.API_RATE_LIMIT_PER_ADDRESS)
