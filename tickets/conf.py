"""Settings the tickets app reads, each with its default (documented in docs/tickets.md)."""

from decimal import Decimal

from django.conf import settings


def reopen_days():
    """Calendar days after closing during which a customer's new message re-opens a request."""
    return int(getattr(settings, "TICKETS_REOPEN_DAYS", 30))


def default_answer_days():
    """Working days for an area and type that has no standard in the admin."""
    return int(getattr(settings, "TICKETS_DEFAULT_ANSWER_DAYS", 30))


def meter_check_cost():
    """What a meter check costs the customer when the meter proves within tolerance."""
    return Decimal(str(getattr(settings, "TICKETS_METER_CHECK_COST", "50.00")))


def max_attachments():
    return int(getattr(settings, "TICKETS_MAX_ATTACHMENTS", 5))


def submit_limit():
    """Requests one customer may file in a day (a guard against abuse; Redis down: no limit)."""
    return int(getattr(settings, "TICKETS_SUBMIT_LIMIT", 20))


def message_limit():
    """Messages one customer may add to their requests in a day (each may carry files)."""
    return int(getattr(settings, "TICKETS_MESSAGE_LIMIT", 50))
