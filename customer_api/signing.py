"""The OVHcloud request signature and access rules, as the official clients compute them
(../shared/reference/ovh-api-contract.md, 1.2 and 1.8): pure functions, no database.

    X-Ovh-Signature = "$1$" + sha1_hex(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY + "+" + TS)

URL is the full URL the client signed (its endpoint, the path and the query string) and BODY the
exact bytes it sent; the server cannot know which base URL a client was given, so it accepts the
URL as the request reached it and as the panel publishes it (PUBLIC_API_BASE).
"""

import hashlib
import hmac

# |X-Ovh-Timestamp - server time| beyond this is QUERY_TIME_OUT: the only replay defence, since
# the clients send no nonce (two identical GETs in one second are legitimate).
TIMESTAMP_WINDOW = 180


def signature(
    *, application_secret: str, consumer_key: str, method: str, url: str, body: bytes, timestamp: str
) -> str:
    """The signature the official clients send. BODY is signed as the bytes received, never a
    re-serialised JSON (PHP escapes `/`, Python writes `\\u00e9`); bytes that are not UTF-8 sign
    as they are, so that they fail to match instead of failing the request."""
    parts = [application_secret, consumer_key, method.upper(), url]
    signed = b"+".join([*(part.encode("utf-8") for part in parts), body, timestamp.encode("utf-8")])
    return "$1$" + hashlib.sha1(signed).hexdigest()


def signature_matches(given: str, *, urls, **signed) -> str | None:
    """The URL among `urls` whose signature equals `given`, or None. Every candidate is computed
    and compared in constant time, so the answer's timing tells nothing about which one was close."""
    found = None
    for url in urls:
        if hmac.compare_digest(given.encode("utf-8"), signature(url=url, **signed).encode("utf-8")):
            found = url
    return found


def timestamp_in_window(timestamp: str, now: float) -> bool:
    """X-Ovh-Timestamp as the clients send it (decimal Unix time), within TIMESTAMP_WINDOW of now."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    return abs(int(timestamp) - now) <= TIMESTAMP_WINDOW


def pattern_matches(pattern: str, path: str) -> bool:
    """Does `pattern` (`*` for any characters, `/` included) cover all of `path`? In linear time:
    the first piece starts the path, the last ends it, and each piece between is found, leftmost,
    after the one before. (A regular expression would backtrack: `*a*a*a*a*b` against a long path
    took minutes, so any customer could hold a worker with one rule of their own key.)"""
    if "*" not in pattern:
        return pattern == path
    first, *middle, last = pattern.split("*")
    if len(path) < len(first) + len(last) or not path.startswith(first) or not path.endswith(last):
        return False
    position, end = len(first), len(path) - len(last)
    for piece in middle:
        found = path.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def rule_allows(rules: list[dict], method: str, path: str) -> bool:
    """Does one rule grant METHOD path? `*` matches any characters, `/` included, anywhere;
    everything else matches exactly. `path` is without the /1.0 prefix and the query string."""
    return any(rule["method"] == method and pattern_matches(rule["path"], path) for rule in rules)
