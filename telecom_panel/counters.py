"""Fixed-window counters in the cache: the public directory's rate limits and the password-reset
e-mails share this one.

A fixed window is the simplest counter: it needs only add and incr, which both cache back-ends
(Redis, local memory) provide without a lock. Its known weakness, up to twice the limit across a
window boundary, does not matter for what it guards.
"""

from django.core.cache import cache


def count(key: str, window_start: int, window: int) -> int:
    """Count one event under `key` for the window starting at `window_start`; the new count."""
    # The key carries its window, so an expired counter is never incremented by mistake; the
    # timeout only frees the memory.
    key = f"{key}:{window_start}"
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window)
        return 1
