"""The interface every payment provider implements."""

from dataclasses import dataclass, field


class ProviderError(Exception):
    """A message from the gateway that cannot be trusted or does not match our attempt: the
    notification is answered with an error (the gateway retries a genuine one)."""


@dataclass(frozen=True)
class Outcome:
    """What the gateway says about one attempt, once its signature was checked.

    `state` is a Payment.State value, or "" when the message changes nothing (a pending
    notification); `code` the attempt's codTrans; `reference` the gateway's authorisation
    code; `result` its own outcome word (esito, codiceEsito) for staff and logs."""

    code: str
    state: str
    amount_cents: int
    currency: str
    reference: str = ""
    result: str = ""
    extra: dict = field(default_factory=dict)


class Provider:
    """A payment provider: start an attempt, read the browser's return and the gateway's
    server-to-server notification, refund, and name the gateway's id of an attempt."""

    name = ""
    label = ""

    def start(self, payment, *, email):
        """Where the browser goes to pay: {"url": ..., "fields": {name: value}} (a POST form
        of hidden fields)."""
        raise NotImplementedError

    def parse_return(self, data):
        """The browser's return (GET parameters): an Outcome, or None when it carries no
        valid signature. Never used to mark a bill paid."""
        raise NotImplementedError

    def parse_notification(self, data):
        """The server-to-server notification (POST data): an Outcome; ProviderError when its
        signature or content is wrong."""
        raise NotImplementedError

    def refund(self, payment):
        """Ask the gateway to refund `payment`; returns True when done through an API, False
        when staff make the refund on the gateway's own back-office (then they mark it)."""
        return False

    def reference(self, payment):
        """The gateway's id of the attempt, as its back-office shows it."""
        return payment.code
