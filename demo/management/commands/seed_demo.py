import datetime
from pathlib import Path

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
        "demo/personas.py and the demo billing feed in demo/feed/. The demo logins have public "
        "passwords, so the command refuses an HTTPS (production) PUBLIC_URL, always."
    )

    def handle(self, *args, **options):
        if settings.HTTPS:
            raise CommandError("PUBLIC_URL is HTTPS: demo logins have public passwords.")
        created = self._personas()
        self.stdout.write(f"demo users: {created} created, {len(PERSONAS) - created} kept")
        self._feed()

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
