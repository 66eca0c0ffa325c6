import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlencode

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def post_form(url, values, timeout=10):
    """POST `values` form-encoded to `url`; the HTTP status (0 when unreachable)."""
    request = urllib.request.Request(  # noqa: S310 - the merchant's urlpost, http(s) only
        url,
        data=urlencode(values).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


@task()
def notify_merchant(url, values, attempt=1):
    """The sandbox gateway's server-to-server notification: sent again, later and later,
    until the merchant answers 200 (as the real gateway does)."""
    status = post_form(url, values)
    if status == 200:
        return "delivered"
    log.warning("sandbox notification answered %s (attempt %d)", status, attempt)
    if attempt < MAX_ATTEMPTS:
        delay = timedelta(seconds=min(15 * 2 ** (attempt - 1), 3600))
        notify_merchant.using(run_after=timezone.now() + delay).enqueue(url, values, attempt + 1)
    return f"answered {status}"
