"""Writes of "Le mie pratiche": drafts, sending, the one state function, attachments,
SEPA mandates and the bill-delivery settings. Keyword-only; each names its side effects."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, uploads
from core.access import is_staff_member
from core.workdays import add_working_days

from . import conf, mail, receipt
from .models import (
    DEFAULT_WORKING_DAYS,
    Attachment,
    DeliveryChange,
    Kind,
    Mandate,
    Pratica,
    PraticaEvent,
    PraticaType,
    ProtocolCounter,
    State,
)

PERMISSION = "pratiche.process_pratica"
UPLOAD_KINDS = ("pdf", "jpeg", "png")

# Bump the version whenever the text changes: each pratica stores the version it was sent with.
DECLARATION_VERSION = "2026-12"
DECLARATION_TEXT = gettext_lazy(
    "Dichiaro, ai sensi degli articoli 46 e 47 del d.p.r. 445/2000, che i dati e i fatti "
    "indicati in questo modulo corrispondono al vero. Sono consapevole che chi rilascia "
    "dichiarazioni mendaci, forma o usa atti falsi è punito ai sensi del codice penale e delle "
    "leggi speciali (articolo 76) e decade dai benefici eventualmente ottenuti sulla base della "
    "dichiarazione non veritiera (articolo 75)."
)

# --- the workflow ---------------------------------------------------------------------------

CUSTOMER, STAFF = "customer", "staff"

# (from, to) -> who may make the move. Anything else is refused.
TRANSITIONS = {
    (State.DRAFT, State.SENT): CUSTOMER,
    (State.SENT, State.CANCELLED): CUSTOMER,
    (State.SENT, State.IN_PROGRESS): STAFF,
    (State.IN_PROGRESS, State.INTEGRATION_REQUESTED): STAFF,
    (State.IN_PROGRESS, State.ACCEPTED): STAFF,
    (State.IN_PROGRESS, State.REJECTED): STAFF,
    (State.INTEGRATION_REQUESTED, State.INTEGRATED): CUSTOMER,
    (State.INTEGRATION_REQUESTED, State.REJECTED): STAFF,
    (State.INTEGRATED, State.IN_PROGRESS): STAFF,
    (State.INTEGRATED, State.INTEGRATION_REQUESTED): STAFF,
    (State.INTEGRATED, State.ACCEPTED): STAFF,
    (State.INTEGRATED, State.REJECTED): STAFF,
}
# A move to these states needs a note for the customer (what to send, why it was refused).
NOTE_REQUIRED = {State.INTEGRATION_REQUESTED, State.REJECTED}
# Moves the customer is told about by e-mail (the receipt is its own message).
NOTIFY = {
    State.IN_PROGRESS,
    State.INTEGRATION_REQUESTED,
    State.ACCEPTED,
    State.REJECTED,
    State.CANCELLED,
}
FINAL = {State.ACCEPTED, State.REJECTED, State.CANCELLED}
OPEN = (State.SENT, State.IN_PROGRESS, State.INTEGRATION_REQUESTED, State.INTEGRATED)


class TransitionError(Exception):
    """A move the table does not allow from the pratica's current state."""


def allowed_moves(state, role):
    return [to for (frm, to), who in TRANSITIONS.items() if frm == state and who == role]


def _is_processor(actor):
    """Verified staff holding pratiche.process_pratica. A user object that did not come
    through django-otp's middleware (a shell, a command: no is_verified()) is refused, not
    a crash."""
    if actor is None or not callable(getattr(actor, "is_verified", None)):
        return False
    return is_staff_member(actor, PERMISSION)


def _check_actor(pratica, actor, role):
    if role == CUSTOMER:
        if actor is None or pratica.user_id != actor.pk:
            raise PermissionDenied
    elif not _is_processor(actor) or pratica.user_id == actor.pk:
        # Nobody processes a pratica they filed themselves: a colleague does.
        raise PermissionDenied


def set_pratica_state(*, pratica, to, actor, note=""):
    """Move `pratica` to state `to`, if TRANSITIONS allows it from its current state for
    `actor` (its owner for customer moves; staff with pratiche.process_pratica otherwise).

    Returns True when it moved, False when it already was in `to` (a repeated click).
    Raises TransitionError for a forbidden move, PermissionDenied for the wrong actor,
    ValidationError when a required note is missing. Side effects: the row (locked while
    it changes), a PraticaEvent, an audit entry, an e-mail to the customer for NOTIFY states,
    the mandate's fate for a direct-debit pratica (cancelled) or a revocation (in force again
    when the revocation is withdrawn or refused).
    """
    to = State(to)
    note = (note or "").strip()
    with transaction.atomic():
        locked = Pratica.objects.select_for_update().get(pk=pratica.pk)
        if locked.state == to:
            return False
        role = TRANSITIONS.get((State(locked.state), to))
        if role is None:
            raise TransitionError(f"{locked.state} -> {to}")
        _check_actor(locked, actor, role)
        if to == State.SENT and not (locked.protocol and locked.submitted_at):
            raise TransitionError("a pratica is sent only through submit_pratica()")
        if to in NOTE_REQUIRED and not note:
            raise ValidationError(_("Scrivi la motivazione: il cliente la legge."), code="note")
        now = timezone.now()
        previous = locked.state
        locked.state = to
        locked.updated_at = now
        fields = ["state", "updated_at"]
        if to in FINAL:
            locked.decided_at = now
            locked.reason = note
            fields += ["decided_at", "reason"]
        if to == State.IN_PROGRESS and locked.assigned_to_id is None and role == STAFF:
            locked.assigned_to = actor
            fields.append("assigned_to")
        locked.save(update_fields=fields)
        PraticaEvent.objects.create(
            pratica=locked, from_state=previous, to_state=to, at=now, by_staff=role == STAFF,
            note=note,
        )  # fmt: skip
        audit.record(
            actor=actor,
            action=f"pratiche.{to.value}",
            obj=locked,
            protocol=locked.protocol or "",
            from_state=previous,
            **({"note": note} if note and role == STAFF else {}),
        )
        if to in (State.REJECTED, State.CANCELLED):
            Mandate.objects.filter(pratica=locked, status=Mandate.Status.SIGNED).update(
                status=Mandate.Status.CANCELLED, revoked_at=now
            )
            if locked.kind == Kind.REVOCA:
                # A revocation withdrawn or refused: the mandates it revoked are in force
                # again (mandates.csv says "reinstated").
                Mandate.objects.filter(revoked_by=locked, status=Mandate.Status.REVOKED).update(
                    status=Mandate.Status.SIGNED, revoked_at=None
                )
        if to in NOTIFY and locked.user is not None and locked.user.email:
            mail.send_pratica_state(pratica=locked, note=note)
    for name in fields:
        setattr(pratica, name, getattr(locked, name))
    return True


# --- drafts and sending ---------------------------------------------------------------------


def working_days_for(kind):
    row = PraticaType.objects.filter(kind=kind).first()
    return row.working_days if row else DEFAULT_WORKING_DAYS[Kind(kind)]


def kind_enabled(kind):
    row = PraticaType.objects.filter(kind=kind).first()
    return row is None or row.enabled


def _next_protocol(now):
    year = timezone.localtime(now).year
    counter, _created = ProtocolCounter.objects.get_or_create(year=year)
    counter = ProtocolCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{conf.protocol_prefix()}-{year}-{counter.last:06d}"


def _store_file(pratica, slot, label, upload, *, integration=False):
    kind = uploads.check_upload(upload, kinds=UPLOAD_KINDS)
    content = upload
    if kind in ("jpeg", "png"):
        content, kind = uploads.clean_image(upload, kind)
    name = uploads.store(content, folder=f"pratiche/{pratica.uid}", kind=kind)
    return Attachment.objects.create(
        pratica=pratica,
        slot=slot,
        label=label,
        file=name,
        file_kind=kind,
        original_name=(getattr(upload, "name", "") or "")[:200],
        size=uploads.private_storage().size(name),
        integration=integration,
    )


def _own_pratica(*, user, key, kind):
    """The pratica a form's key names, locked, when it is this user's; None when new."""
    pratica = Pratica.objects.select_for_update().filter(idempotency_key=key).first()
    if pratica is not None and (pratica.user_id != user.pk or pratica.kind != kind):
        raise PermissionDenied
    return pratica


def _check_contract(user, contract):
    """A pratica names only a contract its customer linked ("Aggancio servizi")."""
    from customers.models import ContractLink

    if (
        contract is not None
        and not ContractLink.objects.filter(user=user, contract=contract).exists()
    ):
        raise PermissionDenied


def _new_pratica(*, user, key, kind):
    """A new draft for the form's key; when a simultaneous request made it first, that one."""
    try:
        with transaction.atomic():
            return Pratica.objects.create(
                idempotency_key=key, kind=kind, user=user, state=State.DRAFT
            )
    except IntegrityError:
        pratica = _own_pratica(user=user, key=key, kind=kind)
        if pratica is None:
            raise
        return pratica


def _attach(pratica, files):
    """files: [(slot, label, upload)]; an upload replaces a draft's file of the same slot."""
    for slot, label, upload in files:
        old = list(pratica.attachments.filter(slot=slot))
        _store_file(pratica, slot, label, upload)
        for attachment in old:
            uploads.private_storage().delete(attachment.file)
            attachment.delete()


def save_draft(*, user, kind, key, contract, data, files=()):
    """Save the form as it is (nothing checked but the files): a new draft, or the draft the
    form's key names. Returns the pratica (already sent: returned untouched). A new draft
    beyond conf.max_drafts() raises ValidationError. Side effects: the row and its
    attachments."""
    with transaction.atomic():
        _check_contract(user, contract)
        pratica = _own_pratica(user=user, key=key, kind=kind)
        if pratica is None:
            if Pratica.objects.filter(user=user, state=State.DRAFT).count() >= conf.max_drafts():
                raise ValidationError(
                    _("Hai troppe bozze: completa o elimina quelle che hai in «Le mie pratiche»."),
                    code="too_many_drafts",
                )
            pratica = _new_pratica(user=user, key=key, kind=kind)
        if pratica.state != State.DRAFT:
            return pratica
        pratica.contract = contract
        pratica.service_code = contract.service_code if contract else ""
        pratica.data = data
        pratica.updated_at = timezone.now()
        pratica.save(update_fields=["contract", "service_code", "data", "updated_at"])
        _attach(pratica, files)
    return pratica


def submit_pratica(*, user, kind, key, contract, data, summary, files=(), declaration=False,
                   mandate=None):  # fmt: skip
    """Send a pratica: its form data and the summary the customer saw, the attachments, a
    protocol number, the due date in working days for its kind, the PDF receipt (stored with
    its hash), a mandate for a direct debit or the revocation of the contract's mandates.

    A second submit with the same key returns the pratica the first one sent. Side effects:
    the rows, the files, an audit entry, the receipt e-mail.
    """
    now = timezone.now()
    with transaction.atomic():
        _check_contract(user, contract)
        pratica = _own_pratica(user=user, key=key, kind=kind) or _new_pratica(
            user=user, key=key, kind=kind
        )
        if pratica.state != State.DRAFT:
            return pratica
        _attach(pratica, files)
        attachments = [f"{a.label}: {a.original_name}" for a in pratica.attachments.all()]
        pratica.contract = contract
        # A voltura or a subentro names a supply the customer has not linked (yet).
        typed = data.get("service_code") or data.get("previous_service_code") or ""
        pratica.service_code = contract.service_code if contract else str(typed)[:30]
        pratica.data = data
        pratica.summary = list(summary)
        if attachments:
            pratica.summary.append([_("Allegati"), "; ".join(attachments)])
        if declaration:
            pratica.declaration_version = DECLARATION_VERSION
            pratica.summary.append([_("Dichiarazione sostitutiva (d.p.r. 445/2000)"), _("resa")])
        pratica.protocol = _next_protocol(now)
        pratica.submitted_at = now
        pratica.updated_at = now
        pratica.due_on = add_working_days(now, working_days_for(kind))
        pdf = receipt.build_receipt(pratica)
        pratica.receipt = uploads.private_storage().save(
            f"pratiche/{pratica.uid}/ricevuta-{uuid.uuid4().hex}.pdf", ContentFile(pdf)
        )
        pratica.receipt_sha256 = receipt.digest(pdf)
        pratica.save()
        # The move itself (event, audit entry) is the workflow's, as every other one.
        set_pratica_state(pratica=pratica, to=State.SENT, actor=user)
        if kind == Kind.DOMICILIAZIONE and mandate:
            _sign_mandate(pratica=pratica, now=now, **mandate)
        if kind == Kind.REVOCA and contract is not None:
            Mandate.objects.filter(contract=contract, status=Mandate.Status.SIGNED).update(
                status=Mandate.Status.REVOKED, revoked_at=now, revoked_by=pratica
            )
        if user.email:
            mail.send_pratica_sent(pratica=pratica)
    return pratica


def _sign_mandate(*, pratica, now, iban, bic, account_holder, account_holder_cf):
    mandate_id = f"{conf.mandate_prefix()}-{pratica.protocol}"[:35]
    return Mandate.objects.create(
        mandate_id=mandate_id,
        pratica=pratica,
        contract=pratica.contract,
        service_code=pratica.service_code,
        iban=iban,
        bic=bic,
        account_holder=account_holder,
        account_holder_cf=account_holder_cf,
        signed_at=now,
    )


def delete_draft(*, pratica, user):
    """A draft its owner no longer wants: the row and its files."""
    if pratica.user_id != user.pk or pratica.state != State.DRAFT:
        raise PermissionDenied
    with transaction.atomic():
        names = list(pratica.attachments.values_list("file", flat=True))
        pratica.delete()
    for name in names:
        uploads.private_storage().delete(name)


def cancel_pratica(*, pratica, user):
    """ "Annulla": the customer withdraws a pratica still Inviata."""
    return set_pratica_state(pratica=pratica, to=State.CANCELLED, actor=user)


def add_integration(*, pratica, user, files, note=""):
    """The customer sends the documents asked for: the files, then the pratica goes back to
    the queue as Integrata. files: [(label, upload)]."""
    if pratica.user_id != user.pk or pratica.state != State.INTEGRATION_REQUESTED:
        raise PermissionDenied
    with transaction.atomic():
        for label, upload in files:
            _store_file(pratica, "integrazione", label, upload, integration=True)
        set_pratica_state(pratica=pratica, to=State.INTEGRATED, actor=user, note=note)


# --- staff ----------------------------------------------------------------------------------


def assign_pratica(*, pratica, actor, assignee):
    """Give a pratica to a staff member (or to nobody). Audited."""
    if not _is_processor(actor):
        raise PermissionDenied
    if assignee is not None and not assignee.has_perm(PERMISSION):
        raise ValidationError(_("Questa persona non lavora le pratiche."))
    with transaction.atomic():
        locked = Pratica.objects.select_for_update().get(pk=pratica.pk)
        locked.assigned_to = assignee
        locked.save(update_fields=["assigned_to"])
        audit.record(
            actor=actor,
            action="pratiche.assign",
            obj=locked,
            protocol=locked.protocol or "",
            to=assignee.get_username() if assignee else "",
        )
    pratica.assigned_to = assignee


# --- bills by e-mail ------------------------------------------------------------------------


def set_delivery(*, user, contract, by_email, email=""):
    """Change how `contract`'s bills arrive. Paper, or the profile's confirmed address: at
    once. Another address: once its owner follows the link sent there. Returns (change,
    token or None). Side effects: the row, an audit entry, the confirmation or notice mail.
    """
    email = (email or "").strip()
    now = timezone.now()
    own = bool(user.email) and user.is_confirmed and email.lower() == user.email.lower()
    with transaction.atomic():
        # A newer choice supersedes the links still waiting: an old link followed later
        # must not override it.
        DeliveryChange.objects.filter(
            contract=contract, effective_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        change = DeliveryChange(
            contract=contract,
            user=user,
            by_email=by_email,
            email=email if by_email else "",
            privacy_version=settings.PRIVACY_NOTICE_VERSION if by_email else "",
            requested_at=now,
        )
        token = None
        if not by_email or own:
            change.effective_at = now
        else:
            token = secrets.token_urlsafe(32)
            change.token_hash = DeliveryChange.hash(token)
            change.expires_at = now + conf.delivery_confirm_validity()
        change.save()
        audit.record(
            actor=user,
            action="pratiche.delivery",
            obj=change,
            service_code=contract.service_code,
            by_email=by_email,
            pending=token is not None,
        )
        if token is not None:
            link = settings.PUBLIC_URL + reverse("pratiche:delivery_confirm", args=[token])
            mail.send_delivery_confirm(change=change, link=link)
        elif user.email:
            mail.send_delivery_changed(to=user.email, change=change)
    return change, token


class DeliveryTokenError(Exception):
    pass


def inspect_delivery_token(token):
    change = (
        DeliveryChange.objects.select_related("contract", "user")
        .filter(token_hash=DeliveryChange.hash(token or ""))
        .first()
    )
    if change is None:
        raise DeliveryTokenError("invalid")
    if change.effective_at is not None:
        raise DeliveryTokenError("used")
    if change.expires_at is None or change.expires_at <= timezone.now():
        raise DeliveryTokenError("expired")
    return change


def confirm_delivery(*, token):
    """The other address's owner followed the link: the change takes effect (once)."""
    change = inspect_delivery_token(token)
    now = timezone.now()
    with transaction.atomic():
        done = DeliveryChange.objects.filter(
            pk=change.pk, effective_at__isnull=True, expires_at__gt=now
        ).update(effective_at=now)
        if not done:
            raise DeliveryTokenError("used")
        change.effective_at = now
        audit.record(actor=None, action="pratiche.delivery_confirmed", obj=change)
        if change.user is not None and change.user.email:
            mail.send_delivery_changed(to=change.user.email, change=change)
    return change


# --- deletion of a web profile --------------------------------------------------------------


def forget_user(user):
    """ "Elimina profilo": drafts (never sent) go with their files; sent pratiche, mandates and
    bill-delivery changes stay as the utility's records, detached from the profile (the
    foreign keys become NULL when the user row goes); unconfirmed address changes go."""
    for pratica in Pratica.objects.filter(user=user, state=State.DRAFT):
        delete_draft(pratica=pratica, user=user)
    DeliveryChange.objects.filter(user=user, effective_at__isnull=True).delete()
