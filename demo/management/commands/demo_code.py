import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Print the current two-step verification code of a demo staff persona (charlie, "
        "diana), whose authenticator key is public. Refused on an HTTPS PUBLIC_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.HTTPS:
            raise CommandError("PUBLIC_URL is HTTPS: demo codes are for demo instances only.")
        user = get_user_model().objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, name="demo").first() if user else None
        if device is None:
            raise CommandError(f"{username} has no demo authenticator (run seed_demo).")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(f"{code:0{device.digits}d}  (valid for {left} more seconds)")
