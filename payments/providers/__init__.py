"""Payment providers behind one small interface (base.Provider), in a plain dict.

`get_provider()` is the one PAYMENT_PROVIDER names; `get_provider(name)` any registered one
(an attempt is always finished by the provider that started it).
"""

from .. import conf
from .base import Outcome, Provider, ProviderError, Refunded, RefundFailed
from .xpay import SandboxProvider, XPayProvider

PROVIDERS = {
    "xpay": XPayProvider,
    "sandbox": SandboxProvider,
}


def get_provider(name=None):
    name = name or conf.provider_name()
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise ProviderError(f"unknown payment provider {name!r}") from None


__all__ = [
    "PROVIDERS",
    "Outcome",
    "Provider",
    "ProviderError",
    "RefundFailed",
    "Refunded",
    "get_provider",
]
