"""`check --deploy`: SEPA mandates carry the utility's own creditor identifier."""

from django.core import checks

from . import conf

PLACEHOLDER = "IT00ZZZ0000000000000000000"


@checks.register(checks.Tags.security, deploy=True)
def sepa_creditor_id(app_configs, **kwargs):
    if conf.creditor_id() == PLACEHOLDER:
        return [
            checks.Warning(
                "PRATICHE_SEPA_CREDITOR_ID is the placeholder: direct debit mandates would "
                "name no creditor.",
                hint="Set PRATICHE_SEPA_CREDITOR_ID to the utility's SEPA creditor identifier.",
                id="pratiche.W001",
            )
        ]
    return []
