from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def captcha_test_mode(app_configs, **kwargs):
    """CONTRACT.md section 2: CAPTCHA_TEST_MODE lets the answer PASSED solve every CAPTCHA."""
    if getattr(settings, "CAPTCHA_TEST_MODE", False):
        return [
            checks.Warning(
                "CAPTCHA_TEST_MODE is on: the answer PASSED solves every CAPTCHA.",
                hint="Unset CAPTCHA_TEST_MODE outside tests.",
                id="sportello.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def mail_leaves_the_server(app_configs, **kwargs):
    """A production site (https PUBLIC_URL) without EMAIL_URL keeps every message, password
    links included, in the outbox, where the back-office mailbox shows them."""
    if settings.PUBLIC_URL.startswith("https://") and not settings.EMAIL_URL:
        return [
            checks.Error(
                "PUBLIC_URL is https:// but EMAIL_URL is not set: mail would stay in the "
                "outbox and be readable at /posta/.",
                hint="Set EMAIL_URL to your SMTP server (smtp+tls://user:password@host:587).",
                id="sportello.E001",
            )
        ]
    return []


@checks.register()
def patron_saint_day(app_configs, **kwargs):
    """PATRON_SAINT_DAY is a real day of the year as MM-DD (or empty)."""
    value = settings.PATRON_SAINT_DAY
    if value:
        import datetime

        try:
            month, day = (int(part) for part in value.split("-"))
            datetime.date(2024, month, day)  # a leap year: 02-29 is a day of the year
        except ValueError:
            return [
                checks.Error(
                    f"PATRON_SAINT_DAY={value!r} is not a day of the year as MM-DD.",
                    hint="For example PATRON_SAINT_DAY=06-13; empty for none.",
                    id="sportello.E004",
                )
            ]
    return []
