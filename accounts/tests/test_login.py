from django.core.cache import cache

GENERIC = "Nome utente o password non corretti"


def test_login_page_has_the_guides_labels(client, db):
    html = client.get("/accedi/").content.decode()
    assert "Accesso utente" in html
    assert "Nome utente" in html
    assert "Password" in html
    assert ">Accedi<" in html


def test_login_with_username_then_logout(client, alice):
    response = client.post("/accedi/", {"username": "alice", "password": "Alice-demo-2026!"})
    assert response.status_code == 302
    assert "Alice Rossi" in client.get("/").content.decode()
    assert client.get("/esci/").status_code == 405, "logout is a POST, never a link"
    client.post("/esci/")
    assert "Alice Rossi" not in client.get("/").content.decode()


def test_one_generic_message_keeps_the_username(client, alice):
    for username in ("alice", "nessuno"):
        response = client.post("/accedi/", {"username": username, "password": "sbagliata"})
        html = response.content.decode()
        assert response.status_code == 200
        assert GENERIC in html
        assert f'value="{username}"' in html
        assert "sbagliata" not in html


def test_login_is_throttled_per_address_and_username(client, alice):
    cache.clear()
    for _ in range(10):
        client.post("/accedi/", {"username": "alice", "password": "sbagliata"})
    response = client.post("/accedi/", {"username": "alice", "password": "Alice-demo-2026!"})
    assert response.status_code == 429
    assert "Troppi tentativi" in response.content.decode()
    # the same customer from another address is not locked out by these attempts
    response = client.post(
        "/accedi/",
        {"username": "alice", "password": "Alice-demo-2026!"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
