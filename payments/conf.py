"""Settings payments reads, with their defaults (docs/payments.md lists them).

PAYMENT_PROVIDER picks the provider (`sandbox`, the default, or `xpay`). The XPAY_* values
default to the built-in sandbox gateway, so `xpay` without configuration talks to the sandbox
too; production sets Nexi's URL, the merchant's alias and its MAC key.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

SANDBOX_ALIAS = "ALIAS_SANDBOX_SPORTELLO"
# XPay's back-office refund API ("storno/rimborso"), below the gateway's scheme and host.
STORNA_PATH = "/ecomm/api/bo/storna"
# Seconds a call to the gateway's API may take (connect and answer) before staff are told
# that its outcome is unknown.
API_TIMEOUT = 10
# A refund asked of the gateway and not answered after this long (the process died meanwhile)
# no longer blocks a new "Rimborsa".
REFUND_CLAIM_MINUTES = 2


def provider_name():
    return getattr(settings, "PAYMENT_PROVIDER", "") or "sandbox"


def public_url(path):
    """An absolute URL of the portal (the gateway calls it back there)."""
    return settings.PUBLIC_URL.rstrip("/") + path


def sandbox_url():
    return public_url(reverse("payments:sandbox_gateway"))


def sandbox_secret():
    """The sandbox gateway's MAC key: derived from SECRET_KEY, never configured."""
    return hashlib.sha256(f"payments-sandbox:{settings.SECRET_KEY}".encode()).hexdigest()


def xpay_url():
    return getattr(settings, "XPAY_URL", "") or sandbox_url()


def sandbox_api_url():
    return public_url(reverse("payments:sandbox_storna"))


def xpay_api_url():
    """XPAY_API_URL, else the refund API on XPAY_URL's scheme and host
    (https://ecommerce.nexi.it/ecomm/api/bo/storna for production), else the sandbox's."""
    configured = getattr(settings, "XPAY_API_URL", "")
    if configured:
        return configured
    hosted = getattr(settings, "XPAY_URL", "")
    if hosted:
        parts = urlsplit(hosted)
        return f"{parts.scheme}://{parts.netloc}{STORNA_PATH}"
    return sandbox_api_url()


def xpay_alias():
    return getattr(settings, "XPAY_ALIAS", "") or SANDBOX_ALIAS


def xpay_secret():
    return getattr(settings, "XPAY_SECRET", "") or sandbox_secret()


def pending_minutes():
    """An attempt left open this long is replaced by a new one on the next "pagamento"."""
    return int(getattr(settings, "PAYMENT_PENDING_MINUTES", 15))


def sandbox_notify_delay():
    """Seconds the sandbox waits before posting its outcome to `urlpost` (the browser comes
    back first, as it may with the real gateway)."""
    return int(getattr(settings, "PAYMENT_SANDBOX_NOTIFY_DELAY", 2))


def sandbox_enabled():
    """The built-in gateway answers only while something may use it: PAYMENT_PROVIDER is
    `sandbox`, or `xpay` has no XPAY_URL of its own. With a real gateway configured it is a
    404, so that it can never sign an outcome with the real merchant's key."""
    return provider_name() == "sandbox" or not getattr(settings, "XPAY_URL", "")


def settings_value(name):
    """A setting as configured, empty when unset (the sandbox's defaults do not count)."""
    return getattr(settings, name, "")
