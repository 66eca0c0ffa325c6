"""The people the demo data and the tests share. Their passwords are public: demo only."""

PERSONAS = {
    "alice": {
        "email": "alice.rossi@example.com",
        "first_name": "Alice",
        "last_name": "Rossi",
        "password": "Alice-demo-2026!",
        "role": "customer",
    },
    "bob": {
        "email": "bob.bianchi@example.com",
        "first_name": "Roberto",
        "last_name": "Bianchi",
        "password": "Roberto-demo-2026!",
        "role": "customer",
    },
    "charlie": {
        "email": "carla.operatrice@example.com",
        "first_name": "Carla",
        "last_name": "Verdi",
        "password": "Carla-demo-2026!",
        "role": "operator",
    },
    "diana": {
        "email": "diana.admin@example.com",
        "first_name": "Diana",
        "last_name": "Neri",
        "password": "Diana-demo-2026!",
        "role": "admin",
    },
}
