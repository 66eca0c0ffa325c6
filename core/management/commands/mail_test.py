from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core import mail


class Command(BaseCommand):
    help = "Queue a test message to ADDRESS through the outbox, to check the mail set-up."

    def add_arguments(self, parser):
        parser.add_argument("address", help="Where to send the test message.")

    def handle(self, *args, address, **options):
        try:
            validate_email(address)
        except ValidationError:
            raise CommandError("not an e-mail address") from None
        message = mail.send_test_message(to=address)
        self.stdout.write(f"queued {message.pk}; the worker sends it")
