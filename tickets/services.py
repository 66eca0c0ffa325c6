"""Writes of "Richieste e reclami": filing a request, the conversation, the staff workflow.

Every state change goes through `set_ticket_state()`, which checks the move, saves, writes
the audit entry and queues the mail. Staff functions check the actor's permission for the
request's area again (the views check it too).
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, uploads, workdays

from . import conf, mail
from .models import AREA_PERMISSIONS, Attachment, Kind, Message, ResponseStandard, Ticket

Status = Ticket.Status
# HEIC, the iPhone's photos, is accepted and stored as JPEG (clean_image).
KINDS = ("pdf", "jpeg", "png", "heic")
FOLDER = "tickets"

# The moves set_ticket_state allows: {from: {to, ...}}.
TRANSITIONS = {
    Status.SUBMITTED: {Status.TAKEN, Status.ANSWERED, Status.CLOSED},
    Status.TAKEN: {Status.ANSWERED, Status.CLOSED},
    Status.ANSWERED: {Status.TAKEN, Status.ANSWERED, Status.CLOSED},
    Status.CLOSED: {Status.TAKEN},
}


# --- the regulator's clock ------------------------------------------------------------------------


def standard_for(area, kind):
    """(rule, working days, indemnity base) for a request of `area` and `kind`: the admin's
    ResponseStandard, else TICKETS_DEFAULT_ANSWER_DAYS under the utility's own rule."""
    standard = ResponseStandard.objects.filter(area=area, kind=kind).first()
    if standard is None:
        return _("Standard del gestore"), conf.default_answer_days(), Decimal("0")
    return standard.rule, standard.working_days, standard.indemnity_base


def due_date(received_at, days):
    """The day the answer is due: the `days`-th working day after the day it was received."""
    return workdays.add_working_days(received_at, days)


def indemnity_for(*, kind, standard_days, days_taken, base):
    """RQSII's automatic indemnity for an answer given in `days_taken` working days: none
    within the standard or for anything but a complaint; the base beyond the standard, twice
    the base beyond twice the standard, three times beyond three times."""
    if kind != Kind.COMPLAINT or not base or days_taken <= standard_days:
        return Decimal("0.00")
    if days_taken <= 2 * standard_days:
        factor = 1
    elif days_taken <= 3 * standard_days:
        factor = 2
    else:
        factor = 3
    return (base * factor).quantize(Decimal("0.01"))


# --- attachments ----------------------------------------------------------------------------------


def check_files(files, *, already=0):
    """Check each file by its content (PDF, JPEG, PNG, at most 10 MB) and how many there are;
    returns [(file, kind)] or raises ValidationError listing every problem."""
    errors, checked = [], []
    limit = conf.max_attachments()
    if already + len(files) > limit:
        errors.append(
            ValidationError(
                _("Puoi allegare al massimo %(n)d file a una richiesta.") % {"n": limit},
                code="too_many",
            )
        )
    for file in files:
        try:
            checked.append((file, uploads.check_upload(file, kinds=KINDS)))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return checked


def _store_files(*, ticket, message, files, sender):
    start = ticket.attachments.count()
    for offset, (file, kind) in enumerate(files, start=1):
        content = file
        if kind in ("jpeg", "png", "heic"):
            content, kind = uploads.clean_image(file, kind)  # no EXIF (position, camera)
        name = uploads.store(content, folder=FOLDER, kind=kind)
        Attachment.objects.create(
            ticket=ticket,
            message=message,
            sender=sender,
            file=name,
            kind=kind,
            size=content.size,
            position=start + offset,
        )


# --- the customer ---------------------------------------------------------------------------------


def submit_ticket(*, user, idempotency_key, area, kind, subject, text, contract=None,
                  files=(), details=None):  # fmt: skip
    """File a request. `files`: [(file, kind)] from check_files; `details`: the RQSII fields
    of a water complaint (holder_name, customer_code, service_code, supply_address,
    reply_address, meter_complaint, meter_check). A second submit with the same
    idempotency key returns the first request: (ticket, created).

    Side effects: the Ticket with its protocol number and due date, its attachments in the
    private storage, an audit entry, the acknowledgement mail with the protocol.
    """
    existing = Ticket.objects.filter(user=user, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    if contract is not None and not contract.links.filter(user=user).exists():
        raise PermissionDenied  # the form offers only the customer's own contracts
    details = dict(details or {})
    if details.get("meter_check"):
        details["meter_check_cost"] = conf.meter_check_cost()
    rule, days, base = standard_for(area, kind)
    now = timezone.now()
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                user=user,
                idempotency_key=idempotency_key,
                area=area,
                kind=kind,
                contract=contract,
                subject=subject,
                text=text,
                received_at=now,
                standard_rule=rule,
                standard_days=days,
                indemnity_base=base,
                due_on=due_date(now, days),
                **details,
            )
            ticket.protocol = f"RR-{timezone.localtime(now).year}-{ticket.pk:06d}"
            ticket.save(update_fields=["protocol"])
            _store_files(ticket=ticket, message=None, files=files, sender=Message.Sender.CUSTOMER)
            audit.record(actor=user, action="tickets.submit", obj=ticket, protocol=ticket.protocol)
            if user.email:
                mail.send_ticket_received(ticket=ticket, to=user.email)
    except IntegrityError:
        # The same form sent twice at once: the other request won.
        existing = Ticket.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return ticket, True


def can_customer_write(ticket, now=None):
    """The customer may add a message while the request is open, and within
    TICKETS_REOPEN_DAYS of its closing (the message then re-opens it)."""
    if ticket.status != Status.CLOSED:
        return True
    now = now or timezone.now()
    return ticket.closed_at is not None and now <= reopen_deadline(ticket)


def reopen_deadline(ticket):
    if ticket.closed_at is None:
        return None
    return ticket.closed_at + timedelta(days=conf.reopen_days())


def _already_sent(ticket, idempotency_key):
    """The message a form with this key already stored (the request's row is locked)."""
    if idempotency_key is None:
        return None
    return Message.objects.filter(ticket=ticket, idempotency_key=idempotency_key).first()


def add_customer_message(*, ticket, user, text, files=(), idempotency_key=None):
    """The customer adds information. Side effects: the Message and its attachments; an
    answered or (within the window) closed request goes back to "Presa in carico"; an audit
    entry. Raises ValidationError when the request is closed for good. The same form sent
    twice (same `idempotency_key`) stores one message and returns it."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk, user=user)
        existing = _already_sent(ticket, idempotency_key)
        if existing is not None:
            return existing
        if not can_customer_write(ticket):
            raise ValidationError(
                _("La richiesta è chiusa: per scriverci apri una nuova richiesta.")
            )
        message = Message.objects.create(
            ticket=ticket,
            sender=Message.Sender.CUSTOMER,
            author=user,
            text=text,
            idempotency_key=idempotency_key,
        )
        _store_files(ticket=ticket, message=message, files=files, sender=Message.Sender.CUSTOMER)
        audit.record(actor=user, action="tickets.customer_message", obj=ticket)
        if ticket.status in (Status.ANSWERED, Status.CLOSED):
            set_ticket_state(ticket=ticket, state=Status.TAKEN, actor=user, locked=True)
        else:
            ticket.save(update_fields=["updated_at"])
    return message


# --- staff ----------------------------------------------------------------------------------------


def area_permission(area):
    return f"tickets.{AREA_PERMISSIONS[area]}"


def require_area(actor, ticket_or_area):
    area = getattr(ticket_or_area, "area", ticket_or_area)
    if actor is None or not actor.is_active or not actor.is_staff:
        raise PermissionDenied
    if not actor.has_perm(area_permission(area)):
        raise PermissionDenied


def set_ticket_state(*, ticket, state, actor, locked=False, **detail):
    """The one way a request changes state: checks the move, saves, writes the audit entry,
    queues the mail ("Risposta pubblicata"). Already in `state`: nothing happens (False)."""
    with transaction.atomic():
        if not locked:
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = ticket.status
        if old == state and state != Status.ANSWERED:
            return False
        if state not in TRANSITIONS[old]:
            raise ValidationError(
                _("Una richiesta «%(old)s» non può passare a «%(new)s».")
                % {"old": Status(old).label, "new": Status(state).label}
            )
        now = timezone.now()
        fields = ["status", "updated_at"]
        ticket.status = state
        if state == Status.ANSWERED and ticket.answered_at is None:
            # The regulator's clock stops at the first answer.
            ticket.answered_at = now
            ticket.working_days_taken = workdays.working_days_between(ticket.received_at, now)
            ticket.indemnity = indemnity_for(
                kind=ticket.kind,
                standard_days=ticket.standard_days,
                days_taken=ticket.working_days_taken,
                base=ticket.indemnity_base,
            )
            fields += ["answered_at", "working_days_taken", "indemnity"]
        if state == Status.CLOSED:
            ticket.closed_at = now
            fields.append("closed_at")
        elif old == Status.CLOSED:
            ticket.closed_at = None
            fields.append("closed_at")
        ticket.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="tickets.state",
            obj=ticket,
            old=old,
            new=state,
            protocol=ticket.protocol,
            **detail,
        )
        if state == Status.ANSWERED and ticket.user is not None and ticket.user.email:
            mail.send_answer_published(ticket=ticket, to=ticket.user.email)
    return True


def assign(*, ticket, actor, assignee):
    """Give the request to an operator who handles its area (or to nobody). A request still
    "Inviata" is then "Presa in carico". Audited."""
    require_area(actor, ticket)
    if assignee is not None:
        require_area(assignee, ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.assigned_to = assignee
        ticket.save(update_fields=["assigned_to", "updated_at"])
        audit.record(
            actor=actor,
            action="tickets.assign",
            obj=ticket,
            assignee=assignee.get_username() if assignee else "",
        )
        if assignee is not None and ticket.status == Status.SUBMITTED:
            set_ticket_state(ticket=ticket, state=Status.TAKEN, actor=actor, locked=True)
    return ticket


def add_note(*, ticket, actor, text, idempotency_key=None):
    """An internal note: staff only, never shown to the customer. Audited. The same form
    sent twice stores one note."""
    require_area(actor, ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        existing = _already_sent(ticket, idempotency_key)
        if existing is not None:
            return existing
        note = Message.objects.create(
            ticket=ticket,
            sender=Message.Sender.STAFF,
            author=actor,
            text=text,
            internal=True,
            idempotency_key=idempotency_key,
        )
        audit.record(actor=actor, action="tickets.note", obj=ticket)
    return note


def publish_answer(*, ticket, actor, text, files=(), idempotency_key=None):
    """Publish an answer to the customer. Side effects: the Message and its attachments, the
    state "Risposta pubblicata" (the first answer stops the clock and fixes the indemnity),
    the mail that says an answer is there (never its content), audit entries. The same form
    sent twice publishes (and mails) once."""
    require_area(actor, ticket)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        existing = _already_sent(ticket, idempotency_key)
        if existing is not None:
            return existing
        if ticket.status == Status.CLOSED:
            raise ValidationError(_("La richiesta è chiusa."))
        message = Message.objects.create(
            ticket=ticket,
            sender=Message.Sender.STAFF,
            author=actor,
            text=text,
            idempotency_key=idempotency_key,
        )
        _store_files(ticket=ticket, message=message, files=files, sender=Message.Sender.STAFF)
        if ticket.assigned_to_id is None:
            ticket.assigned_to = actor
            ticket.save(update_fields=["assigned_to"])
        set_ticket_state(ticket=ticket, state=Status.ANSWERED, actor=actor, locked=True)
    return message


def close(*, ticket, actor):
    """Close the request (the customer may still re-open it within the window)."""
    require_area(actor, ticket)
    return set_ticket_state(ticket=ticket, state=Status.CLOSED, actor=actor)


# --- "Elimina profilo" ----------------------------------------------------------------------------


def forget_customer(user):
    """Profile deletion: the requests stay for the regulator's yearly report and the
    indemnities (protocol, area, type, dates, contract, amounts), without the person: the
    customer's texts, RQSII contact fields and attachments are erased. The files go once the
    deletion is committed (a deletion rolled back keeps them); updated_at moves, so the next
    `export_feed --since` tells the billing system the request has no profile any more."""
    tickets = Ticket.objects.filter(user=user)
    attachments = Attachment.objects.filter(ticket__in=tickets)
    names = list(attachments.values_list("file", flat=True))
    attachments.delete()
    transaction.on_commit(lambda: _delete_files(names))
    Message.objects.filter(ticket__in=tickets, sender=Message.Sender.CUSTOMER).update(
        text="", author=None
    )
    tickets.update(
        user=None,
        subject=_("(profilo eliminato)"),
        text="",
        holder_name="",
        reply_address="",
        supply_address="",
        updated_at=timezone.now(),
    )


def _delete_files(names):
    storage = uploads.private_storage()
    for name in names:
        storage.delete(name)
