import ipaddress

from django.conf import settings

# An IPv6 customer gets a whole /64 from their provider (RFC 6177): counting its addresses
# one by one would give a single household 2^64 fresh counters.
IPV6_PREFIX = 64


def _parse_ip(value):
    """A valid address from a header or REMOTE_ADDR, else None.

    Proxies may write "[2001:db8::1]:443" or "203.0.113.7:51234"; the brackets and the port
    are dropped. Anything else that is not an address (a name, "unknown", garbage) is None.
    """
    value = (value or "").strip()
    if value.startswith("["):  # [IPv6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4:port (a bare IPv6 address has two colons or more)
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4-mapped IPv6 address (::ffff:203.0.113.7) is that IPv4 client.
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def _client_address(request):
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            # Our own proxy wrote this entry; if it is not an address (a misconfigured proxy,
            # or one that passes a forged header through), fall back to the peer's address
            # rather than store or count whatever text arrived.
            address = _parse_ip(forwarded[-count])
            if address is not None:
                return address
    return _parse_ip(request.META.get("REMOTE_ADDR", ""))


def client_ip(request):
    """The client's full address, validated, trusting exactly TRUSTED_PROXY_COUNT proxies in
    front of us; "" when there is none. For display and the audit log.

    X-Forwarded-For is "client, proxy1, proxy2"; each proxy appends the address it received
    the request from, so only the last N entries were written by our own proxies.
    """
    address = _client_address(request)
    return str(address) if address is not None else ""


def client_key(request):
    """The address that rate limits and login throttling count: the client's IPv4 address,
    or the base address of its IPv6 /64 network ("2001:db8:1:2::"). Still a valid address,
    because django-axes stores it in a GenericIPAddressField."""
    address = _client_address(request)
    if address is None:
        return ""
    if address.version == 6:
        network = ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False)
        return str(network.network_address)
    return str(address)


def ratelimit_ip_key(group, request):
    """django-ratelimit key function: one counter per client address (IPv6: per /64)."""
    return client_key(request)
