"""Where and on what a customer used the portal: a rough place (country, from an offline
database shipped with geoip2fast) and a device label. Nothing is sent anywhere."""

import functools
import logging

from django.utils.translation import gettext as _
from ua_parser import parse as parse_user_agent

from core.http import client_ip

log = logging.getLogger(__name__)


@functools.cache
def _geoip():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast()


def place_of(ip):
    if not ip:
        return ""
    try:
        result = _geoip().lookup(ip)
    except Exception:  # an unreadable address must never break a login
        log.warning("geoip lookup failed")
        return ""
    if getattr(result, "is_private", False):
        return _("Rete locale")
    return result.country_name if result.country_code not in ("", "--") else ""


def device_of(user_agent):
    if not user_agent:
        return ""
    parsed = parse_user_agent(user_agent[:512])
    browser = parsed.user_agent.family if parsed.user_agent else ""
    system = parsed.os.family if parsed.os else ""
    parts = [p for p in (browser, system) if p and p != "Other"]
    return (_(" su ").join(parts) if parts else _("dispositivo sconosciuto"))[:120]


def request_context(request):
    """ip, place and device of a request, for AccountEvent and UserSession rows."""
    if request is None:
        return {"ip": None, "place": "", "device": ""}
    ip = client_ip(request) or None
    return {
        "ip": ip,
        "place": place_of(ip),
        "device": device_of(request.META.get("HTTP_USER_AGENT", "")),
    }
