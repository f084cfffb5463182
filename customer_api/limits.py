"""Request limits of the API (contract 1.11): per consumer key for signed calls, per address for the
calls that need no key. Counted in the shared cache (Redis in production, so every worker sees the
same count) per fixed minute: simple, and at worst twice the limit across a minute's edge."""

import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds


def _key(bucket: str, now: float) -> str:
    return f"api-limit:{bucket}:{int(now // WINDOW)}"


def _wait(now: float) -> int:
    return max(1, int((int(now // WINDOW) + 1) * WINDOW - now))


def retry_after(bucket: str, limit: int, *, now: float | None = None) -> int | None:
    """Counts one request in `bucket`; None if within `limit` per minute, else the seconds to wait."""
    now = time.time() if now is None else now
    key = _key(bucket, now)
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW + 5)
        count = 1
    return None if count <= limit else _wait(now)


def per_key(consumer_key_id: int) -> int | None:
    return retry_after(f"key:{consumer_key_id}", settings.API_RATE_LIMIT_PER_KEY)


def per_address(address: str) -> int | None:
    return retry_after(f"address:{address}", settings.API_RATE_LIMIT_PER_ADDRESS)


# Refused signed calls (a wrong key, secret or signature) per address: counted apart from the
# address's lookups, so that a script with a typo is told 429 after a minute's worth of attempts,
# and a guesser costs nothing more than a cache read.
def failures_over(address: str, *, now: float | None = None) -> int | None:
    now = time.time() if now is None else now
    count = cache.get(_key(f"failures:{address}", now)) or 0
    return _wait(now) if count >= settings.API_RATE_LIMIT_PER_ADDRESS else None


def count_failure(address: str) -> None:
    retry_after(f"failures:{address}", settings.API_RATE_LIMIT_PER_ADDRESS)
