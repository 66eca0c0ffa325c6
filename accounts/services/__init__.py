"""Writes for web profiles, one module per sub-domain: tokens (single-use links),
registration, login, recovery (and password change), profile (and deletion), sessions (and
the activity log). Every function is keyword-only and names its side effects; mail goes
through the outbox inside the same transaction, so nothing is lost if SMTP is down.

Only what other modules of the project import from `accounts.services` is repeated here.
"""

from .registration import send_confirmation
from .sessions import end_all_sessions, forget_session, record_event, start_session, touch_session

__all__ = [
    "end_all_sessions",
    "forget_session",
    "record_event",
    "send_confirmation",
    "start_session",
    "touch_session",
]
