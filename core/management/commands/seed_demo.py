from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.personas import PERSONAS


class Command(BaseCommand):
    help = (
        "Load the demo data (idempotent: a second run changes nothing). The demo logins have "
        "public passwords, so the command refuses an HTTPS (production) PUBLIC_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even though PUBLIC_URL is HTTPS."
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if settings.HTTPS and not force:
            raise CommandError("PUBLIC_URL is HTTPS: demo logins have public passwords.")
        User = get_user_model()
        created = 0
        for username, persona in PERSONAS.items():
            user, was_created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": persona["email"],
                    "first_name": persona["first_name"],
                    "last_name": persona["last_name"],
                    "is_staff": persona["role"] in ("operator", "admin"),
                    "is_superuser": persona["role"] == "admin",
                },
            )
            if was_created:
                user.set_password(persona["password"])
                user.save(update_fields=["password"])
                created += 1
        self.stdout.write(f"demo data: {created} users created, {len(PERSONAS) - created} kept")
