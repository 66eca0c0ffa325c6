"""Clients for each kind of visitor of the back-office: anonymous, customer, each role."""

import pytest
from django.test import Client

from accounts.staff import ROLE_ADMIN, ROLE_CUSTOMER_SERVICE, ROLE_PRATICHE
from accounts.tests.factories import UserFactory, staff_member
from conftest import login_verified


@pytest.fixture
def customer(db):
    return UserFactory(
        username="mario.rossi",
        first_name="Mario",
        last_name="Rossi",
        codice_fiscale="RSSMRA85T10A562S",
        email="mario.rossi@example.com",
    )


@pytest.fixture
def staff_client(client, charlie):
    """charlie, the customer-service operator, verified with her second factor."""
    login_verified(client, charlie)
    return client


@pytest.fixture
def admin_client(diana):
    """diana, an administrator (by role), verified with her second factor."""
    client = Client()
    login_verified(client, diana)
    return client


@pytest.fixture
def client_as(db, alice, charlie, diana):
    """client_as("anonymous" | "customer" | "cs" | "pratiche" | "admin" | "no_role")."""

    def make(who):
        client = Client()
        if who == "anonymous":
            return client
        if who == "customer":
            client.force_login(alice)
            return client
        user = {
            "cs": charlie,
            "admin": diana,
            "pratiche": lambda: staff_member(ROLE_PRATICHE, username="paolo"),
            "no_role": lambda: staff_member(None, username="senzaruolo"),
        }[who]
        login_verified(client, user() if callable(user) else user)
        return client

    return make


ROLE_NAMES = {"cs": ROLE_CUSTOMER_SERVICE, "pratiche": ROLE_PRATICHE, "admin": ROLE_ADMIN}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.FastArgon2PasswordHasher"]
