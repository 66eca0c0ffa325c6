from axes.models import AccessAttempt
from django.core.cache import cache

from demo.personas import PERSONAS

ALICE = PERSONAS["alice"]


def test_requests_over_the_per_address_ceiling_get_429(client, db, settings):
    settings.RATE_LIMIT_PER_IP = "5/m"
    cache.clear()
    statuses = [client.get("/").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    response = client.get("/")
    assert response["Retry-After"] == "60"
    assert "Troppe richieste" in response.content.decode()


def test_health_checks_are_never_limited(client, db, settings):
    settings.RATE_LIMIT_PER_IP = "2/m"
    cache.clear()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_behind_a_proxy_the_client_address_counts(client, db, settings):
    settings.RATE_LIMIT_PER_IP = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    for _ in range(2):
        assert client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # another customer behind the same proxy is not affected; a forged prefix changes nothing
    assert client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200
    assert client.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7").status_code == 429


def test_addresses_of_one_ipv6_64_share_the_per_address_ceiling(client, db, settings):
    settings.RATE_LIMIT_PER_IP = "5/m"
    cache.clear()
    statuses = [client.get("/", REMOTE_ADDR=f"2001:db8:1:2::{i}").status_code for i in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    assert client.get("/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_a_forwarded_value_that_is_not_an_address_counts_as_the_proxy(client, db, settings):
    settings.RATE_LIMIT_PER_IP = "2/m"
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    for garbage in ("<script>", "unknown"):
        assert client.get("/", HTTP_X_FORWARDED_FOR=garbage).status_code == 200
    # both were counted as the proxy's own address, not as two fresh "clients"
    assert client.get("/", HTTP_X_FORWARDED_FOR="").status_code == 429


def test_login_failures_from_one_ipv6_64_lock_the_account_for_that_network(client, alice):
    """18 addresses of one /64 used to get 36 guesses; now the /64 is one address for
    django-axes (10 failures per username and address)."""
    for i in range(1, 11):
        client.post(
            "/accedi/",
            {"username": "alice", "password": f"wrong-{i}"},
            REMOTE_ADDR=f"2001:db8:1:2:{i:x}::{i:x}",
        )
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.ip_address == "2001:db8:1:2::"
    assert attempt.failures_since_start == 10
    right = {"username": "alice", "password": ALICE["password"]}
    response = client.post("/accedi/", right, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
