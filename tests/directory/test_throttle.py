"""The public directory's rate limits (directory.throttle): buckets per IPv4 address, per IPv6 /64
and /48, and for everyone; which address is the client's behind trusted proxies; the proxies'
setting refused at start-up when it does not parse."""

import os
import subprocess
import sys
from ipaddress import ip_address, ip_network

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from directory.throttle import Refusal, hit
from telecom_panel.client_address import client_address

SEARCH = reverse("directory_search")
REVERSE = reverse("directory_reverse")
WINDOW = 3600  # long, so that no test straddles two windows
SELF_BLAMED = "Vous avez fait beaucoup de recherches en peu de temps."
BUSY = "L'annuaire reçoit beaucoup de recherches en ce moment."


@pytest.fixture(autouse=True)
def limits(settings):
    """Three requests per client address or /64, six per /48, a thousand for everyone; no proxy
    trusted; no request counted yet."""
    settings.PUBLIC_DIRECTORY_RATE_WINDOW = WINDOW
    settings.PUBLIC_DIRECTORY_RATE_LIMIT = 3
    settings.PUBLIC_DIRECTORY_RATE_LIMIT_48 = 6
    settings.PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT = 1000
    settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES = ()
    cache.clear()
    yield settings
    cache.clear()


def trust(settings, *networks):
    settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES = tuple(ip_network(network) for network in networks)


def status(client, peer, forwarded=None, url=REVERSE):
    """The status of one request from the TCP peer `peer`, with that X-Forwarded-For if any."""
    headers = {} if forwarded is None else {"x-forwarded-for": forwarded}
    return client.get(url, REMOTE_ADDR=peer, headers=headers).status_code


def address_of(peer, forwarded=None):
    headers = {} if forwarded is None else {"x-forwarded-for": forwarded}
    return client_address(RequestFactory().get(SEARCH, REMOTE_ADDR=peer, headers=headers))


# --- The 429 page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_client_over_the_limit_gets_429_with_retry_after(client):
    for _ in range(3):
        assert client.get(SEARCH, {"nom": "dupont", "ville": "Paris"}).status_code == 200
    response = client.get(SEARCH, {"nom": "dupont", "ville": "Paris"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    page = response.content.decode()
    assert SELF_BLAMED in page and BUSY not in page


def test_search_and_reverse_search_share_the_limit(client):
    client.get(SEARCH)
    client.get(REVERSE)
    client.get(SEARCH)
    assert client.get(REVERSE).status_code == 429


def test_the_counter_starts_again_with_the_next_window(settings):
    settings.PUBLIC_DIRECTORY_RATE_WINDOW = 60
    client = ip_address("192.0.2.1")
    assert [hit(client, now=100.0) for _ in range(3)] == [None, None, None]
    # The window of 60 s that started at 60 ends at 120.
    assert hit(client, now=100.5) == Refusal(retry_after=20, everyone=False)
    assert hit(client, now=120.0) is None


# --- IPv4 ---------------------------------------------------------------------------------------


def test_each_ipv4_address_has_its_own_bucket(client):
    for _ in range(3):
        assert status(client, "192.0.2.1") == 200
    assert status(client, "192.0.2.1") == 429
    assert status(client, "192.0.2.2") == 200


def test_an_ipv4_mapped_ipv6_address_is_its_ipv4_address(client):
    for _ in range(3):
        assert status(client, "192.0.2.1") == 200
    assert status(client, "::ffff:192.0.2.1") == 429
    assert address_of("::ffff:192.0.2.1") == ip_address("192.0.2.1")


# --- IPv6 ---------------------------------------------------------------------------------------


def test_an_ipv6_client_is_counted_by_its_64(client):
    """A subscriber holds its whole /64: a fresh address in it is no fresh budget."""
    for index in range(3):
        assert status(client, f"2001:db8:1:2::{index + 1:x}") == 200
    assert status(client, "2001:db8:1:2:ffff:ffff:ffff:ffff") == 429
    assert status(client, "2001:db8:1:2::1%eth0") == 429  # nor is a zone
    assert status(client, "2001:db8:1:3::1") == 200  # another /64 of the /48, within its budget


def test_many_64s_inside_one_48_are_limited_together(client):
    """65,536 /64s in a /48: together they get the /48's budget, six here."""
    for index in range(6):
        assert status(client, f"2001:db8:1:{index:x}::1") == 200
    assert status(client, "2001:db8:1:ff::1") == 429  # a /64 never seen before
    assert status(client, "2001:db8:1:ffff::1") == 429
    assert status(client, "2001:db8:2:0::1") == 200  # another /48


def test_every_bucket_counts_even_the_requests_another_refuses(client):
    """A /64 hammering past its own limit uses up its /48 as well: its refused requests count."""
    assert [status(client, "2001:db8:1:1::1") for _ in range(6)] == [200] * 3 + [429] * 3
    assert status(client, "2001:db8:1:2::1") == 429


# --- Everyone together -----------------------------------------------------------------------------


def test_the_global_limit_stops_a_scraper_spread_over_many_addresses(client, settings):
    settings.PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT = 5
    for index in range(5):
        assert status(client, f"198.51.100.{index}") == 200
    response = client.get(REVERSE, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    page = response.content.decode()
    assert BUSY in page and SELF_BLAMED not in page  # the client itself did nothing wrong
    assert status(client, "2001:db8:9::1") == 429


def test_requests_refused_to_their_client_do_not_use_up_the_global_budget(client, settings):
    """Otherwise one client hammering alone would close the directory to everyone."""
    settings.PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT = 5
    assert [status(client, "192.0.2.1") for _ in range(50)] == [200] * 3 + [429] * 47
    # Three served to the hammering client, two to others: the sixth is over the global limit.
    assert [status(client, f"198.51.100.{index}") for index in range(2)] == [200] * 2
    assert status(client, "198.51.100.99") == 429


# --- Which address is the client's ---------------------------------------------------------------


def test_x_forwarded_for_is_ignored_when_no_proxy_is_trusted(client):
    for index in range(3):
        assert status(client, "192.0.2.1", f"198.51.100.{index}") == 200
    assert status(client, "192.0.2.1", "198.51.100.9") == 429
    assert address_of("192.0.2.1", "198.51.100.9") == ip_address("192.0.2.1")


def test_x_forwarded_for_is_ignored_when_the_peer_is_not_a_trusted_proxy(client, settings):
    """The app reached directly, without the proxy: the client wrote the header itself."""
    trust(settings, "10.0.0.0/8")
    for index in range(3):
        assert status(client, "192.0.2.1", f"198.51.100.{index}") == 200
    assert status(client, "192.0.2.1", "198.51.100.9") == 429
    assert status(client, "192.0.2.1", "10.0.0.1") == 429  # even naming one of our proxies


def test_behind_a_trusted_proxy_the_client_is_taken_from_x_forwarded_for(client, settings):
    trust(settings, "10.0.0.0/8")
    for _ in range(3):
        assert status(client, "10.0.0.2", "198.51.100.7") == 200
    assert status(client, "10.0.0.2", "198.51.100.7") == 429
    # Another client through the same proxy has its own bucket, as does the proxy itself.
    assert status(client, "10.0.0.2", "198.51.100.8") == 200
    assert status(client, "10.0.0.2") == 200
    # Entries the client wrote, left of what our proxy appended, change nothing.
    assert status(client, "10.0.0.2", "203.0.113.1, 198.51.100.7") == 429


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(client, settings):
    trust(settings, "10.0.0.0/8", "2001:db8:ffff::/48")
    # The client wrote the first entry itself; then the real client, then our proxies.
    chain = "203.0.113.66, 198.51.100.7, 10.1.2.3, 2001:db8:ffff::5"
    assert address_of("10.0.0.2", chain) == ip_address("198.51.100.7")
    assert address_of("::ffff:10.0.0.2", chain) == ip_address("198.51.100.7")  # a mapped peer
    assert address_of("2001:db8:ffff::7", "2001:db8:1:2::3, 2001:db8:ffff::5") == ip_address(
        "2001:db8:1:2::3"
    )
    # What the client writes at the left never gives it a fresh bucket.
    for index in range(3):
        assert (
            status(client, "10.0.0.2", f"203.0.113.{index}, 198.51.100.7, 10.1.2.3, 2001:db8:ffff::5") == 200
        )
    assert status(client, "10.0.0.2", "203.0.113.99, 198.51.100.7,10.1.2.3,2001:db8:ffff::5") == 429
    # Only our proxies in the chain: the request started inside, at the leftmost.
    assert address_of("10.0.0.2", "10.9.9.9, 10.1.2.3") == ip_address("10.9.9.9")


@pytest.mark.parametrize(
    "forwarded",
    ["not-an-address", "198.51.100.7:443", "[2001:db8::1]", "", "198.51.100.7 198.51.100.8", "unknown",
     "999.1.1.1", "198.51.100.7, , 10.1.2.3, junk"],
)  # fmt: skip
def test_a_garbage_entry_makes_the_client_unknown(settings, forwarded):
    trust(settings, "10.0.0.0/8")
    assert address_of("10.0.0.2", f"{forwarded}, 10.1.2.3") is None


def test_unknown_clients_share_one_bucket(client, settings):
    """A fresh piece of garbage per request is no fresh bucket."""
    trust(settings, "10.0.0.0/8")
    for index in range(3):
        assert status(client, "10.0.0.2", f"garbage-{index}") == 200
    assert status(client, "10.0.0.2", "garbage-3") == 429
    assert status(client, "10.0.0.2", "more garbage, 10.0.0.1") == 429
    assert status(client, "not an address") == 429  # a peer that is no address: unknown too
    assert status(client, "10.0.0.2", "198.51.100.7") == 200


def test_garbage_left_of_the_client_is_ignored(settings):
    trust(settings, "10.0.0.0/8")
    assert address_of("10.0.0.2", "garbage, 198.51.100.7, 10.1.2.3") == ip_address("198.51.100.7")


# --- The setting ----------------------------------------------------------------------------------

SHOW = "import django; django.setup(); from django.conf import settings; print(%s)"


def subprocess_options(**environment):
    """Start a Django process with the test settings and these environment variables."""
    variables = {**os.environ, "DJANGO_SETTINGS_MODULE": "telecom_panel.settings.test", **environment}
    return {
        "env": variables,
        "cwd": django_settings.BASE_DIR,
        "capture_output": True,
        "text": True,
        "timeout": 60,
    }


def test_the_defaults_and_the_48_budget_four_times_the_address_budget():
    result = subprocess.run(
        [sys.executable, "-c", SHOW % "(settings.PUBLIC_DIRECTORY_RATE_LIMIT, settings.PUBLIC_DIRECTORY_RATE_LIMIT_48, "
         "settings.PUBLIC_DIRECTORY_GLOBAL_RATE_LIMIT, settings.PUBLIC_DIRECTORY_RATE_WINDOW, "
         "settings.PUBLIC_DIRECTORY_MAX_RESULTS, settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES)"],
        **subprocess_options(PUBLIC_DIRECTORY_RATE_LIMIT="7"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(7, 28, 600, 60, 50, ())"


def start_with(**environment):
    return subprocess.run(
        [sys.executable, "-c", SHOW % "[str(net) for net in settings.PUBLIC_DIRECTORY_TRUSTED_PROXIES]"],
        **subprocess_options(**environment),
    )


def test_the_trusted_proxies_are_parsed_at_start_up():
    result = start_with(PUBLIC_DIRECTORY_TRUSTED_PROXIES="10.0.0.0/8, 2001:db8::/32,192.0.2.7,")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32']"
    result = start_with(PUBLIC_DIRECTORY_TRUSTED_PROXIES="")
    assert (result.returncode, result.stdout.strip()) == (0, "[]")  # nobody trusted


@pytest.mark.parametrize("network", ["10.0.0.0/33", "proxy.example.net", "10.0.0.1/8", "2001:db8::/129"])
def test_an_invalid_trusted_network_stops_the_start(network):
    result = start_with(PUBLIC_DIRECTORY_TRUSTED_PROXIES=f"10.0.0.0/8,{network}")
    assert result.returncode != 0
    assert "ImproperlyConfigured: PUBLIC_DIRECTORY_TRUSTED_PROXIES:" in result.stderr
    assert f"{network!r} is not a network in CIDR notation" in result.stderr


def test_the_old_proxy_count_setting_stops_the_start():
    """It would otherwise be ignored in silence, every client counted as the proxy."""
    result = start_with(PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT="1")
    assert result.returncode != 0
    assert "PUBLIC_DIRECTORY_TRUSTED_PROXY_COUNT is gone" in result.stderr
