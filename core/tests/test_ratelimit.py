from django.core.cache import cache


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
