"""Two-step verification with an authenticator app (TOTP, django-otp) and recovery codes.

Optional for customers, mandatory for staff (core.middleware.StaffTwoFactorMiddleware).
Recovery codes (a django-otp static device) belong to the authenticator: they exist only
while a confirmed TOTP device does, and count only while it is there.
"""

import segno
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.access import verified_by_authenticator

from .models import AccountEvent
from .services.sessions import record_event

RECOVERY_CODES = 10
# django-otp refuses every code for 1, 2, 4... seconds after a wrong one: say so.
THROTTLED_MESSAGE = _(
    "Hai inserito un codice errato: attendi qualche secondo, poi scrivi il codice che l'app "
    "mostra in quel momento."
)


def is_throttled(user):
    return any(
        not device.verify_is_allowed()[0]
        for device in TOTPDevice.objects.filter(user=user, confirmed=True)
    )


def has_two_factor(user):
    """A confirmed authenticator: recovery codes alone are not two-step verification."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_is_verified(user):
    """`user` is request.user (django-otp's middleware has set otp_device)."""
    return verified_by_authenticator(user)


def match(user, token):
    """The device that accepts `token` (the app's current code or an unused recovery code),
    or None. Recovery codes are tried only while the authenticator exists."""
    if not has_two_factor(user):
        return None
    with transaction.atomic():
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, TOTPDevice | StaticDevice) and device.verify_token(token):
                return device
    return None


def matches_authenticator(user, token):
    """The confirmed authenticator if `token` is the code it shows now, else None."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(token):
            return device
    return None


def pending_totp_device(user):
    """The unconfirmed authenticator being set up, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


def qr_data_uri(device):
    """The otpauth:// URL as an SVG QR code in a data: URI (the CSP allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_manual_entry(device):
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_totp(*, user, token, request=None):
    """Turn the pending authenticator on if `token` matches. Returns the new recovery codes,
    or None when the code is wrong."""
    device = pending_totp_device(user)
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record_event(user=user, kind=AccountEvent.Kind.OTP_ENABLED, request=request)
    return codes


def regenerate_recovery_codes(*, user):
    """New recovery codes replacing the old ones; None when there is no confirmed
    authenticator (codes without one would be a way around it). The caller has checked
    the password or a current code again."""
    with transaction.atomic():
        if not TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).exists():
            return None
        return _new_recovery_codes(user)


def _new_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def disable_two_factor(*, user, request=None):
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        record_event(user=user, kind=AccountEvent.Kind.OTP_DISABLED, request=request)


def remaining_recovery_codes(user):
    return StaticToken.objects.filter(device__user=user).count()


@receiver(post_delete, sender=TOTPDevice)
def _recovery_codes_go_with_the_authenticator(sender, instance, **kwargs):
    """However the authenticator is deleted (the admin, a shell), its recovery codes go too."""
    if not TOTPDevice.objects.filter(user_id=instance.user_id, confirmed=True).exists():
        StaticDevice.objects.filter(user_id=instance.user_id).delete()
