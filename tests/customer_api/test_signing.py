"""The request signature and access rules of the OVHcloud contract
(../shared/reference/ovh-api-contract.md, 1.2 and 1.8), with the contract's test vectors."""

import pytest

from customer_api.signing import (
    TIMESTAMP_WINDOW,
    rule_allows,
    signature,
    signature_matches,
    timestamp_in_window,
)

SECRET, CONSUMER, TIMESTAMP = (
    "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk",
    "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY",
    "1457018875",
)


@pytest.mark.parametrize(
    ("method", "url", "body", "expected"),
    [
        # The first two from the official client's own tests; the others recomputed for our URLs.
        ("GET", "https://eu.api.ovh.com/1.0/auth", b"", "$1$e9556054b6309771395efa467c22e627407461ad"),
        (
            "PUT",
            "https://eu.api.ovh.com/1.0/auth",
            b'{"a":"b","c":"d"}',
            "$1$8a75a9e7c8e7296c9dbeda6a2a735eb6bd58ec4b",
        ),
        ("GET", "http://127.0.0.1:8000/1.0/telephony", b"", "$1$6fb3a6330df64825bebe2a0a2f448bb6f2f06798"),
        (
            "PUT",
            "http://127.0.0.1:8000/1.0/telephony/aa11111-ovh-1/service/0033123456789/directory",
            b'{"lineDescription":"Standard"}',
            "$1$485fef00215d331b2b327e299b428181b2a1f73b",
        ),
    ],
)
def test_the_contract_vectors(method, url, body, expected):
    signed = signature(application_secret=SECRET, consumer_key=CONSUMER, method=method, url=url, body=body,
                       timestamp=TIMESTAMP)  # fmt: skip
    assert signed == expected
    # Lower-case methods are signed upper-case, as the client does.
    assert signature(application_secret=SECRET, consumer_key=CONSUMER, method=method.lower(), url=url,
                     body=body, timestamp=TIMESTAMP) == expected  # fmt: skip


def test_a_signature_matches_the_url_it_was_made_for_only():
    urls = ["http://127.0.0.1:8000/1.0/telephony", "https://panel.example/1.0/telephony"]
    signed = dict(
        application_secret=SECRET, consumer_key=CONSUMER, method="GET", body=b"", timestamp=TIMESTAMP
    )
    given = signature(url=urls[1], **signed)
    assert signature_matches(given, urls=urls, **signed) == urls[1]
    assert signature_matches(given, urls=urls[:1], **signed) is None
    assert signature_matches(given, urls=urls, **{**signed, "application_secret": SECRET + "x"}) is None
    assert signature_matches(given, urls=urls, **{**signed, "body": b" "}) is None
    assert signature_matches("$1$" + "0" * 40, urls=urls, **signed) is None
    assert signature_matches("é", urls=urls, **signed) is None  # not even ASCII: no match, no error


def test_the_body_is_signed_as_received_not_re_serialised():
    """The Python client sends `é` as `\\u00e9`, PHP escapes `/`: the bytes decide."""
    common = dict(
        application_secret=SECRET, consumer_key=CONSUMER, method="PUT", url="u", timestamp=TIMESTAMP
    )
    escaped = signature(body=b'{"lineDescription":"\\u00e9"}', **common)
    raw = signature(body='{"lineDescription":"é"}'.encode(), **common)
    assert escaped != raw
    # Bytes that are not UTF-8 sign as they are: they match nothing, and raise nothing.
    assert signature(body=b"\xff\xfe", **common).startswith("$1$")


@pytest.mark.parametrize(
    ("rules", "method", "path", "allowed"),
    [
        ([{"method": "GET", "path": "/telephony"}], "GET", "/telephony", True),
        # A rule on a path does not grant what is below it: the recursive form adds `/*`.
        ([{"method": "GET", "path": "/telephony"}], "GET", "/telephony/aa11111-ovh-1", False),
        ([{"method": "GET", "path": "/telephony/*"}], "GET", "/telephony/aa11111-ovh-1/service", True),
        ([{"method": "GET", "path": "/telephony/*"}], "PUT", "/telephony/aa11111-ovh-1/service", False),
        ([{"method": "PUT", "path": "/telephony/*/directory"}], "PUT",
         "/telephony/aa11111-ovh-1/service/0033123456789/directory", True),
        ([{"method": "PUT", "path": "/telephony/*/directory"}], "PUT",
         "/telephony/aa11111-ovh-1/service/0033123456789/directory/x", False),
        # Anything but `*` is literal: a dot or a bracket is not a pattern.
        ([{"method": "GET", "path": "/telephony/.*"}], "GET", "/telephony/ab", False),
        ([{"method": "GET", "path": "/telephony/[a]"}], "GET", "/telephony/a", False),
        ([{"method": "GET", "path": "*"}], "GET", "/anything/at/all", True),
        ([], "GET", "/telephony", False),
        # Pieces are found in order, never overlapping: "/a*a" needs two a's, "*ab*ba*" two pairs.
        ([{"method": "GET", "path": "/a*a"}], "GET", "/a", False),
        ([{"method": "GET", "path": "/a*a"}], "GET", "/aa", True),
        ([{"method": "GET", "path": "*ab*ba*"}], "GET", "/aba", False),
        ([{"method": "GET", "path": "*ab*ba*"}], "GET", "/abba", True),
        ([{"method": "GET", "path": "/x**y"}], "GET", "/xy", True),
    ],
)  # fmt: skip
def test_access_rules(rules, method, path, allowed):
    assert rule_allows(rules, method, path) is allowed


def test_a_rule_made_to_backtrack_is_matched_in_linear_time():
    """`*a*a*a*a*a*b` against 4,000 a's: a regular expression takes minutes (a worker held by one
    customer's own key); the matcher answers at once."""
    import time

    started = time.perf_counter()
    for length in (50, 200, 4000):
        assert not rule_allows(
            [{"method": "GET", "path": "/telephony/*a*a*a*a*a*b"}], "GET", "/telephony/" + "a" * length
        )
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(
    ("timestamp", "inside"),
    [
        (str(1_000_000 + TIMESTAMP_WINDOW), True),
        (str(1_000_000 - TIMESTAMP_WINDOW), True),
        (str(1_000_000 + TIMESTAMP_WINDOW + 1), False),
        (str(1_000_000 - TIMESTAMP_WINDOW - 1), False),
        ("1000000.5", False),
        ("-1000000", False),
        ("\u0661" + "\u0660" * 6, False),  # Arabic-Indic digits: str.isdigit says yes, the protocol says no
        ("9" * 400, False),
        ("", False),
    ],
)
def test_the_timestamp_window(timestamp, inside):
    assert timestamp_in_window(timestamp, now=1_000_000) is inside
