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
