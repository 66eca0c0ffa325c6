from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo personas (public passwords), `seed_demo` and `demo_code`. Installed only with
    DEBUG, DEMO=1 (`make run`, `make demo`) or in tests (sportello/settings.py), and its
    commands refuse an HTTPS PUBLIC_URL whatever they are told."""

    name = "demo"
    verbose_name = "Demo"

    def banner(self):
        """Lines `manage.py run` prints about the demo logins."""
        from .personas import PERSONAS

        lines = ["Demo logins (username / password):"]
        for username, persona in PERSONAS.items():
            lines.append(f"  {username:<8} {persona['password']:<22} {persona['role']}")
        lines.append(
            "Staff (charlie, diana) also need a verification code: "
            "`make demo-code WHO=charlie` (or `DEMO=1 .venv/bin/python manage.py demo_code "
            "charlie`)."
        )
        lines.append(
            "Codes to type in Aggancio servizi (as alice): Codice cliente 100234, "
            "Codice servizio 2002002008, Codice fiscale RSSLCA85C52G224L."
        )
        return lines
