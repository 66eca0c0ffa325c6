"""Lifetimes and limits, in one place: the code reads the numbers here, and the pages and
e-mails that state them ("il link vale 24 ore") read the same numbers, in words, through the
`policy` template variable (context processor core.context_processors.portal, and every mail
through core.outbox). Change a number here and every sentence follows.

Settings-backed values (login lock-out, soft limit) stay in settings, which operators tune;
this module only puts them into words.
"""

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Links sent by e-mail.
CONFIRM_VALIDITY = timedelta(hours=24)  # "Crea nuovo profilo" -> welcome link
RESET_VALIDITY = timedelta(hours=1)  # "Richiedi nuova password"
EMAIL_CHANGE_VALIDITY = timedelta(hours=24)  # new address in "Modifica profilo web"
STAFF_INVITATION_VALIDITY = timedelta(hours=24)  # a new staff member's password link
# A profile never confirmed is deleted after this.
UNCONFIRMED_LIFETIME = timedelta(days=7)

# Rate limits (django-ratelimit's "count/period" strings, per client address).
LOGIN_ATTEMPTS_RATE = "100/h"  # POST /accedi/, across usernames
LOGIN_VERIFY_RATE = "10/5m"  # the second step's codes
REGISTRATION_RATE = "20/h"
CONFIRMATION_RESEND_RATE = "10/h"
PASSWORD_RESET_RATE = "10/h"

# "Aggancio servizi": failed attempts per web user and per client address in LINK_PERIOD.
LINK_FAILURES = 5
LINK_PERIOD = timedelta(hours=1)


def duration(value):
    """A timedelta in Italian words, as the pages say it: "un'ora", "24 ore", "7 giorni",
    "15 minuti"."""
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0 and seconds >= 86400 and seconds != 86400:
        days = seconds // 86400
        return ngettext("%(n)d giorno", "%(n)d giorni", days) % {"n": days}
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = seconds // 3600
        return _("un'ora") if hours == 1 else _("%(n)d ore") % {"n": hours}
    minutes = max(seconds // 60, 1)
    return _("un minuto") if minutes == 1 else _("%(n)d minuti") % {"n": minutes}


def login_cool_off():
    """How long django-axes locks a (username, address) pair: AXES_COOLOFF_TIME, in hours."""
    return timedelta(hours=float(settings.AXES_COOLOFF_TIME))


class Words:
    """What templates read as `policy.<name>`: each duration in words, each count a number.
    Built per render (cheap), so a translation follows the active language."""

    @property
    def confirm_validity(self):
        return duration(CONFIRM_VALIDITY)

    @property
    def reset_validity(self):
        return duration(RESET_VALIDITY)

    @property
    def email_change_validity(self):
        return duration(EMAIL_CHANGE_VALIDITY)

    @property
    def staff_invitation_validity(self):
        return duration(STAFF_INVITATION_VALIDITY)

    @property
    def unconfirmed_lifetime(self):
        return duration(UNCONFIRMED_LIFETIME)

    @property
    def link_failures(self):
        return LINK_FAILURES

    @property
    def link_period(self):
        return duration(LINK_PERIOD)

    @property
    def login_failures(self):
        return settings.AXES_FAILURE_LIMIT

    @property
    def login_cool_off(self):
        return duration(login_cool_off())


words = Words()
