"""Settings the readings app reads (docs/readings.md), each with its default."""

from django.conf import settings


def leak_factor():
    """A consumption per day at least this many times the reference asks for confirmation
    (ARERA 609/2021: the leak threshold is twice the usual consumption)."""
    return float(getattr(settings, "READINGS_LEAK_FACTOR", 2))


def answer_working_days():
    """Working days within which a rejected self-reading is notified (ARERA TIMSII: 9)."""
    return int(getattr(settings, "READINGS_ANSWER_WORKING_DAYS", 9))


def default_digits():
    """The meter's digits when the feed does not say them."""
    return int(getattr(settings, "READINGS_DEFAULT_DIGITS", 5))


def history_page_size():
    return int(getattr(settings, "READINGS_HISTORY_PAGE_SIZE", 20))


def submit_limit():
    """Self-readings (replacements included) one customer may send in a day: a guard against
    abuse (each sends a receipt e-mail and may carry a 10 MB photo). A form sent again does
    not count; with the counter unreachable (Redis down) nothing is refused."""
    return int(getattr(settings, "READINGS_SUBMIT_LIMIT", 20))
