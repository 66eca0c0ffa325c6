"""Each task of the accounts app lives next to the service it runs
(services.registration.purge_unconfirmed_user, services.recovery.send_password_reset).

These names stay importable here only for jobs queued before the tasks moved: a queued job
stores its task's dotted path, and a purge runs UNCONFIRMED_LIFETIME (days) after it was
queued. Nothing new should import from this module.
"""

from .services.recovery import send_password_reset
from .services.registration import purge_unconfirmed_user

__all__ = ["purge_unconfirmed_user", "send_password_reset"]
