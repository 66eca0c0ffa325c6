import datetime
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Consent
from accounts.staff import ensure_roles
from demo.personas import DEMO_TOTP_KEY, PERSONAS, is_staff_persona

FEED_DIR = Path(__file__).resolve().parents[2] / "feed"


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent: a second run changes nothing): the personas of "
        "demo/personas.py, the demo billing feed in demo/feed/, two of alice's requests (one "
        "answered by charlie) and a draft pratica of hers. The demo logins have public "
        "passwords, so the command refuses an HTTPS (production) PUBLIC_URL, always."
    )

    def handle(self, *args, **options):
        if settings.HTTPS:
            raise CommandError("PUBLIC_URL is HTTPS: demo logins have public passwords.")
        created = self._personas()
        self.stdout.write(f"demo users: {created} created, {len(PERSONAS) - created} kept")
        self._feed()
        self._requests()
        self._pratiche()

    @transaction.atomic
    def _personas(self):
        User = get_user_model()
        roles = ensure_roles()
        created = 0
        for username, persona in PERSONAS.items():
            staff = is_staff_persona(username)
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": persona["email"],
                    "first_name": persona["first_name"],
                    "last_name": persona["last_name"],
                    "codice_fiscale": persona["codice_fiscale"],
                    "is_staff": staff,
                    "email_confirmed_at": timezone.now(),
                    "document_type": User.DocumentType.IDENTITY_CARD,
                    "document_number": f"CA{abs(hash(username)) % 10**5:05d}AA",
                    "document_expiry": datetime.date(2031, 12, 31),
                    "document_issuer": "Comune di Padova",
                },
            )
            if was_created:
                user.set_password(persona["password"])
                user.save(update_fields=["password"])
                Consent.objects.create(
                    user=user,
                    subject=user.uid,
                    kind=Consent.Kind.PRIVACY,
                    granted=True,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                )
                created += 1
            if user.is_staff != staff or user.is_superuser:
                # A database seeded by an older version made diana a superuser: staff rights
                # come from the role (group) now.
                user.is_staff, user.is_superuser = staff, False
                user.save(update_fields=["is_staff", "is_superuser"])
            if staff:
                user.groups.add(roles[persona["role"]])
                TOTPDevice.objects.get_or_create(
                    user=user, name="demo", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
                )
        return created

    def _feed(self):
        from feeds.services import run_import

        job = run_import(directory=FEED_DIR, source="command")
        counts = ", ".join(
            f"{name}: {sum(c.values()) - c.get('error', 0)} ok, {c.get('error', 0)} errors"
            for name, c in job.counts.items()
        )
        self.stdout.write(f"demo feed: {counts}")

    # Fixed keys: the services return what the first run made (their double-submit rule).
    KEYS = {
        "ticket_answered": uuid.UUID("00000000-0000-4000-8000-0000000000a1"),
        "answer": uuid.UUID("00000000-0000-4000-8000-0000000000a2"),
        "ticket_open": uuid.UUID("00000000-0000-4000-8000-0000000000a3"),
        "pratica_draft": uuid.UUID("00000000-0000-4000-8000-0000000000b1"),
    }

    def _persona(self, username):
        return get_user_model().objects.get(username=username)

    def _requests(self):
        """alice's requests in "Richieste e reclami": one answered by charlie, one open, so
        both the customer's list and the back-office queue have something to show."""
        if not apps.is_installed("tickets"):
            return
        from tickets import services
        from tickets.models import Area, Kind

        alice, charlie = self._persona("alice"), self._persona("charlie")
        ticket, created = services.submit_ticket(
            user=alice,
            idempotency_key=self.KEYS["ticket_answered"],
            area=Area.WATER,
            kind=Kind.INFORMATION,
            subject="Autolettura del contatore",
            text="Buongiorno, in che periodo posso comunicare l'autolettura del contatore "
            "dell'acqua perché sia usata nella prossima bolletta? Grazie.",
        )
        services.publish_answer(
            ticket=ticket,
            actor=charlie,
            idempotency_key=self.KEYS["answer"],
            text="Gentile cliente, può comunicarla in ogni momento dalla sezione Letture "
            "contatore della sua utenza: la usiamo se arriva entro la data indicata in "
            "bolletta. Cordiali saluti, Servizio Clienti.",
        )
        services.submit_ticket(
            user=alice,
            idempotency_key=self.KEYS["ticket_open"],
            area=Area.WASTE,
            kind=Kind.REPORT,
            subject="Cassonetto danneggiato",
            text="Il cassonetto dell'umido davanti al civico 12 ha il coperchio rotto.",
        )
        self.stdout.write(f"demo requests: {'2 created' if created else 'kept'}")

    def _pratiche(self):
        """A draft of alice's in "Le mie pratiche" (Attivazione nuovo servizio), made from
        the form's own fields as the page saves one: she can complete it and send it."""
        if not apps.is_installed("pratiche"):
            return
        from django.http import QueryDict

        from pratiche import services
        from pratiche.forms import FORMS
        from pratiche.models import Kind

        alice = self._persona("alice")
        form_class = FORMS[Kind.ATTIVAZIONE]
        values = QueryDict(mutable=True)
        values.update(form_class.profile_initial(alice))
        values.update(
            {
                "service": "water",
                "request_type": "fornitura",
                "supply_street": "Via Garibaldi 8",
                "supply_postcode": "35010",
                "supply_town": "Villa del Conte",
                "use": "domestic",
                "residents": "3",
            }
        )
        form = form_class(values, user=alice, links=[])
        services.save_draft(
            user=alice,
            kind=Kind.ATTIVAZIONE,
            key=self.KEYS["pratica_draft"],
            contract=None,
            data=form.draft_data(),
        )
        self.stdout.write("demo pratiche: a draft of alice's")
