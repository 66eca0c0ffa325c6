"""Outbox mail: queue a message with the change that causes it, deliver it from the worker.

A message row and its delivery task are written in the caller's transaction (the task
backend is the same database), so a rolled-back change sends nothing and a committed one
is never lost, whatever SMTP is doing. Delivery claims the row with a conditional UPDATE,
so two workers never send the same message twice.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import audit, policy
from .models import OutboxMessage

log = logging.getLogger(__name__)

State = OutboxMessage.State
STALE_CLAIM = timedelta(minutes=10)


def queue_message(*, kind, to, context, language=None):
    """Render templates `mail/<kind>/{subject.txt,body.txt,body.html}` and queue the result.

    Side effects: one OutboxMessage row and one delivery task, in the current transaction.
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        ctx = {
            "utility": settings.UTILITY,
            "public_url": settings.PUBLIC_URL,
            "policy": policy.words,
            **context,
        }
        subject = " ".join(render_to_string(f"mail/{kind}/subject.txt", ctx).split())
        body_text = render_to_string(f"mail/{kind}/body.txt", ctx)
        body_html = render_to_string(f"mail/{kind}/body.html", ctx)
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            kind=kind, to=to, subject=subject, body_text=body_text, body_html=body_html
        )
        _enqueue(message)
    return message


def _enqueue(message, run_after=None):
    from .tasks import deliver_outbox_message

    task = deliver_outbox_message
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(str(message.pk))


def backoff(attempts):
    """Wait before attempt number `attempts + 1`: 30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def deliver(message_id):
    """Send one queued message if it is due. Returns the message's state afterwards, or None
    when another worker holds it or it is not due (then nothing happens)."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id, state=State.PENDING, next_attempt_at__lte=now
    ).update(state=State.SENDING, claimed_at=now)
    if not claimed:
        return None
    message = OutboxMessage.objects.get(pk=message_id)
    if not settings.EMAIL_URL:
        # Nothing leaves the machine: the development mailbox shows the message.
        _finish(message, transport="mailbox")
        return message.state
    try:
        _send_smtp(message)
    except Exception as exc:  # any transport failure: retry later, never lose the message
        _fail(message, exc)
    else:
        _finish(message, transport="smtp")
    return message.state


def _send_smtp(message):
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        connection=connection,
        headers={"Message-ID": f"<{message.pk}@sportello>"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()


def _finish(message, *, transport):
    message.state = State.SENT
    message.transport = transport
    message.sent_at = timezone.now()
    message.attempts += 1
    message.last_error = ""
    message.save(update_fields=["state", "transport", "sent_at", "attempts", "last_error"])


def _fail(message, exc):
    message.attempts += 1
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.state = State.DEAD
        log.error("outbox message %s dead after %d attempts", message.pk, message.attempts)
    else:
        message.state = State.PENDING
        message.next_attempt_at = timezone.now() + backoff(message.attempts)
        log.warning(
            "outbox message %s attempt %d failed (%s), next at %s",
            message.pk,
            message.attempts,
            type(exc).__name__,
            message.next_attempt_at.isoformat(),
        )
    with transaction.atomic():
        message.save(update_fields=["state", "attempts", "last_error", "next_attempt_at"])
        if message.state == State.PENDING:
            _enqueue(message, run_after=message.next_attempt_at)


def requeue(*, message, actor):
    """Staff: give a DEAD message a fresh start. Audited."""
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, state=State.DEAD).update(
            state=State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if updated:
            audit.record(actor=actor, action="outbox.requeue", obj=message)
            _enqueue(message)
    return bool(updated)


def deliver_due(*, limit=500):
    """Deliver every due message (a sweep for cron or recovery, independent of task rows).

    A claim older than STALE_CLAIM belongs to a worker that died mid-send; it is released
    first. (That message may then go out twice: SMTP gives no way to know.)
    """
    OutboxMessage.objects.filter(
        state=State.SENDING, claimed_at__lt=timezone.now() - STALE_CLAIM
    ).update(state=State.PENDING)
    due = OutboxMessage.objects.filter(
        state=State.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return [deliver(pk) for pk in list(due)]
