"""The people the demo data and the tests share. Their passwords are public: demo only.

alice and bob are holders in the demo feed (demo/feed/customers.csv) with the same codice
fiscale, so they can link their own contracts. Staff have an authenticator with a fixed,
public demo key: `manage.py demo_code charlie` prints the current code. A staff persona's
"role" is the name of its group (accounts.staff.ROLES): charlie is the customer-service
operator, diana the administrator.
"""

PERSONAS = {
    "alice": {
        "email": "alice.rossi@example.com",
        "first_name": "Alice",
        "last_name": "Rossi",
        "codice_fiscale": "RSSLCA85C52G224L",
        "password": "Alice-demo-2026!",
        "role": "customer",
    },
    "bob": {
        "email": "bob.bianchi@example.com",
        "first_name": "Roberto",
        "last_name": "Bianchi",
        "codice_fiscale": "BNCRRT78H10C743G",
        "password": "Roberto-demo-2026!",
        "role": "customer",
    },
    "charlie": {
        "email": "carla.operatrice@example.com",
        "first_name": "Carla",
        "last_name": "Verdi",
        "codice_fiscale": "",
        "password": "Carla-demo-2026!",
        "role": "Operatore servizio clienti",
    },
    "diana": {
        "email": "diana.admin@example.com",
        "first_name": "Diana",
        "last_name": "Neri",
        "codice_fiscale": "",
        "password": "Diana-demo-2026!",
        "role": "Amministratore",
    },
}

STAFF_ROLES = ("Operatore servizio clienti", "Operatore pratiche", "Amministratore")


def is_staff_persona(name):
    return PERSONAS[name]["role"] in STAFF_ROLES


# Hex TOTP key of the staff personas' demo authenticator (public: demo only).
DEMO_TOTP_KEY = "3132333435363738393031323334353637383930"
