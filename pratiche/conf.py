"""Settings pratiche reads, each with its default (docs/pratiche.md lists them)."""

from datetime import timedelta

from django.conf import settings


def protocol_prefix():
    """The letters before a protocol number: "PR-2026-000123"."""
    return getattr(settings, "PRATICHE_PROTOCOL_PREFIX", "PR")


def mandate_prefix():
    """The creditor's prefix of a SEPA mandate id: "AAB-RCUR-…"."""
    return getattr(settings, "PRATICHE_MANDATE_PREFIX", settings.UTILITY.get("short_name", "SP"))


def creditor_id():
    """The utility's SEPA creditor identifier (Codice identificativo del creditore)."""
    return getattr(settings, "PRATICHE_SEPA_CREDITOR_ID", "IT00ZZZ0000000000000000000")


def delivery_confirm_validity():
    """How long the link that confirms another address for bills by e-mail lives."""
    return timedelta(hours=getattr(settings, "PRATICHE_DELIVERY_CONFIRM_HOURS", 24))


def receipt_font_dir():
    """Where the DejaVu fonts of the PDF receipt are (package fonts-dejavu-core)."""
    return getattr(settings, "PRATICHE_FONT_DIR", "/usr/share/fonts/truetype/dejavu")


def delivery_confirmations_per_hour():
    """Links to other addresses (bills by e-mail) one profile may have sent in an hour."""
    return getattr(settings, "PRATICHE_DELIVERY_CONFIRMATIONS_PER_HOUR", 5)


def max_drafts():
    """Drafts (each may hold files) one profile may keep at once."""
    return getattr(settings, "PRATICHE_MAX_DRAFTS", 20)
