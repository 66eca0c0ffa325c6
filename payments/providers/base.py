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


@dataclass(frozen=True)
class Refunded:
    """The gateway said, with a valid signature, that it refunded: `operation` is its id of
    the refund (XPay's idOperazione)."""

    operation: str


class RefundFailed(Exception):
    """A refund the gateway did not confirm. `kind` says what happened:

    - "ko": the gateway refused it, with its `code` and `message` (signed, trusted);
    - "unreachable": no connection could be made: nothing was sent;
    - "timeout", "bad_response" (not the expected JSON, an HTTP error), "bad_mac" (an answer
      whose signature is wrong): the request may have reached the gateway, its outcome is
      unknown until staff look at the gateway's own back-office."""

    UNKNOWN_OUTCOME = ("timeout", "bad_response", "bad_mac")

    def __init__(self, kind, *, code="", message=""):
        super().__init__(kind)
        self.kind = kind
        self.code = str(code)[:20]
        self.message = str(message)[:200]


class Provider:
    """A payment provider: start an attempt, read the browser's return and the gateway's
    server-to-server notification, refund, and name the gateway's id of an attempt."""

    name = ""
    label = ""
    # True when refund() asks the gateway through an API ("Rimborsa" on the staff page).
    refunds_online = False

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
        """Ask the gateway to refund the whole of `payment`: a Refunded once the gateway
        confirmed it; RefundFailed otherwise. Only for providers with `refunds_online`; with
        the others staff refund on the gateway's back-office and then mark it."""
        raise NotImplementedError

    def reference(self, payment):
        """The gateway's id of the attempt, as its back-office shows it."""
        return payment.code
