"""The client address: validated from X-Forwarded-For, and counted per /64 for IPv6."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

from core.http import client_ip, client_key, ratelimit_ip_key


def request(remote_addr="192.0.2.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_peer_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("192.0.2.1", forwarded="203.0.113.7")) == "192.0.2.1"


def test_the_entry_our_proxy_wrote_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded="1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded="1.2.3.4, 203.0.113.7, 10.0.0.2")) == "203.0.113.7"


@pytest.mark.parametrize(
    "garbage",
    [
        "<script>alert(1)</script>",
        "unknown",
        "203.0.113.300",
        "' OR 1=1 --",
        "x" * 5000,
        "2001:db8::1::2",
    ],
)
def test_forwarded_values_that_are_not_addresses_fall_back_to_the_peer(settings, garbage):
    settings.TRUSTED_PROXY_COUNT = 1
    req = request("192.0.2.1", forwarded=garbage)
    assert client_ip(req) == "192.0.2.1"
    assert client_key(req) == "192.0.2.1"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7:51234", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        (" 2001:DB8::1 ", "2001:db8::1"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_a_port_brackets_and_spelling_are_normalised(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(forwarded=forwarded)) == expected


def test_a_missing_or_broken_peer_address_is_empty(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request("not-an-address")) == ""
    assert client_key(request("")) == ""


def test_ipv4_clients_are_counted_one_address_at_a_time():
    assert client_key(request("203.0.113.7")) == "203.0.113.7"
    assert client_key(request("203.0.113.8")) == "203.0.113.8"


def test_eighteen_addresses_of_one_ipv6_64_share_one_key():
    addresses = [f"2001:db8:1:2:{i:x}:{i * 7:x}:ab:{i}" for i in range(1, 19)]
    keys = {client_key(request(address)) for address in addresses}
    assert keys == {"2001:db8:1:2::"}
    # what the audit log shows is still the full address
    assert client_ip(request(addresses[0])) == "2001:db8:1:2:1:7:ab:1"
    # the neighbouring /64 is someone else
    assert client_key(request("2001:db8:1:3::1")) == "2001:db8:1:3::"


def test_rate_limits_and_axes_use_the_64(settings):
    req = request("2001:db8:1:2:aaaa:bbbb:cccc:dddd")
    assert ratelimit_ip_key("global", req) == "2001:db8:1:2::"
    assert get_client_ip_address(req) == "2001:db8:1:2::"
