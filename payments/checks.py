"""`check --deploy`: a production portal takes real payments."""

from django.core import checks

from . import conf


@checks.register(checks.Tags.security, deploy=True)
def real_gateway(app_configs, **kwargs):
    """With the sandbox (PAYMENT_PROVIDER=sandbox, or xpay without XPAY_URL, XPAY_ALIAS and
    XPAY_SECRET) a test card "pays" a bill: it would show as paid and go to the billing
    system in payments.csv."""
    if conf.provider_name() == "xpay" and all(
        conf.settings_value(name) for name in ("XPAY_URL", "XPAY_ALIAS", "XPAY_SECRET")
    ):
        return []
    return [
        checks.Warning(
            "Payments go to the built-in sandbox gateway: test cards mark bills as paid.",
            hint="Set PAYMENT_PROVIDER=xpay with XPAY_URL, XPAY_ALIAS and XPAY_SECRET "
            "(docs/payments.md).",
            id="payments.W001",
        )
    ]
