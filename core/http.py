from django.conf import settings


def client_ip(request):
    """The client's address, trusting exactly TRUSTED_PROXY_COUNT proxies in front of us.

    X-Forwarded-For is "client, proxy1, proxy2"; each proxy appends the address it received
    the request from, so only the last N entries were written by our own proxies.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def ratelimit_ip_key(group, request):
    return client_ip(request)
