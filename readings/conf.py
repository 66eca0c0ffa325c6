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
