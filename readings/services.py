"""What changes readings: a customer's self-reading (with its rules), staff decisions, the
rejection e-mails for verdicts that came with the feed, and "Elimina profilo"."""

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.uploads import clean_image, private_storage, store

from . import conf, consumption, mail
from .models import Meter, PendingPhoto, Reading
from .selectors import meters_of, taken_under

log = logging.getLogger(__name__)
PERMISSION = "readings.validate_reading"
HELD_MAX = 5  # photos held for a confirmation, per customer


class ReadingRefused(Exception):
    """The reading cannot be stored; the message is for the customer."""


@dataclass(frozen=True)
class Assessment:
    """What the rules say about `value` on `meter` today."""

    last: Reading | None  # the last validated reading (not an estimate) of the meter
    below_last: bool  # needs the customer's "the meter went round" confirmation
    per_day: float | None  # m³/day since the last reading
    reference: float | None  # m³/day it is compared with
    high: bool  # at least conf.leak_factor() times the reference: needs a confirmation

    @property
    def needs_rollover(self):
        return self.below_last

    @property
    def needs_leak(self):
        return self.high


def last_validated(meter, before=None, contract_id=None):
    """The meter's last validated reading (not an estimate) taken under its contract (or
    `contract_id`): after a change of holder the previous holder's readings are neither
    compared with nor shown."""
    readings = meter.readings.filter(
        status=Reading.Status.VALIDATED, contract_id=contract_id or meter.contract_id
    ).exclude(source=Reading.Source.ESTIMATED)
    if before is not None:
        readings = readings.filter(read_on__lte=before)
    return readings.order_by("-read_on", "-id").first()


def assess(meter, value, *, today=None, rollover=False):
    """The rules of "nuova" for `value` (whole m³ within the meter's digits)."""
    today = today or timezone.localdate()
    last = last_validated(meter, before=today)
    if last is None:
        return Assessment(None, False, None, None, False)
    below = value < last.value
    if below and not rollover:
        return Assessment(last, True, None, None, False)
    used = value - last.value if not below else value + meter.limit - last.value
    days = max((today - last.read_on).days, 1)
    per_day = used / days
    # The usual consumption is this contract's own: after a change of holder the previous
    # holder's consumption is neither compared with nor shown.
    contract = meter.contract
    end = max(today, last.read_on + timedelta(days=1))
    spans = consumption.intervals(meters_of(contract), period=taken_under(contract))
    reference = consumption.reference_per_day(spans, last.read_on, end)
    high = bool(reference) and per_day >= conf.leak_factor() * reference
    return Assessment(last, below, per_day, reference, high)


def current_meter(contract):
    """The meter now on the contract: the one not removed, else the last installed."""
    meters = list(contract.meters.all())
    if not meters:
        return None
    on = [m for m in meters if m.removed_on is None]
    pick = on or meters
    return max(pick, key=lambda m: (m.installed_on or date.min, m.pk))


def _receipt(reading):
    return f"{reading.pk:07d}-{reading.submission.hex[:6].upper()}"


def _delete_photo(name):
    if name:
        with contextlib.suppress(OSError):
            private_storage().delete(name)


def submit_reading(*, user, meter, value, submission, photo=None, photo_kind=None,
                   held_photo=None, rollover=False, leak_confirmed=False,
                   today=None):  # fmt: skip
    """Store a self-reading and queue its receipt; returns (reading, created).

    `submission` is the form's one-time key: the same key again (a second click, a reload)
    returns the reading it stored, unchanged. A second reading on the same day replaces the
    first while that one has not been exported to the billing system. Raises ReadingRefused.
    `held_photo` (a PendingPhoto of `user`, kept while the page asked for a confirmation)
    becomes the reading's photo when `photo` is None; it stays held if the reading is
    refused.
    The rules are checked again here, with the meter locked, so two tabs cannot slip past
    them."""
    today = today or timezone.localdate()
    existing = Reading.objects.filter(submission=submission, user=user).first()
    if existing is not None:
        return existing, False
    stored_photo = old_photo = ""
    if photo is not None:
        content, kind = clean_image(photo, photo_kind)
        stored_photo = store(content, folder="readings", kind=kind)
        photo_kind = kind
        held_photo = None
    try:
        with transaction.atomic():
            meter = Meter.objects.select_for_update().get(pk=meter.pk)
            again = Reading.objects.filter(submission=submission, user=user).first()
            if again is not None:
                _delete_photo(stored_photo)  # a held photo stays held (housekeeping)
                return again, False
            if not 0 <= value < meter.limit:
                raise ReadingRefused("digits")
            if held_photo is not None:
                # Claimed inside the transaction: a refusal below rolls the claim back, and
                # the photo stays held for the next confirmation.
                claimed = PendingPhoto.objects.filter(pk=held_photo.pk, user=user).delete()[0]
                if not claimed:
                    raise ReadingRefused("photo")
                stored_photo, photo_kind = held_photo.name, held_photo.kind
            verdict = assess(meter, value, today=today, rollover=rollover)
            if verdict.needs_rollover and not rollover:
                raise ReadingRefused("rollover")
            if verdict.needs_leak and not leak_confirmed:
                raise ReadingRefused("leak")
            key = Reading.key(meter.serial, today, Reading.Source.CUSTOMER)
            now = timezone.now()
            reading = Reading.objects.select_for_update().filter(feed_key=key).first()
            if reading is not None:
                if reading.user_id != user.pk or reading.exported_at is not None:
                    raise ReadingRefused("taken")
                old_value, old_photo = reading.value, reading.photo
                audit.record(
                    actor=user,
                    action="readings.replace",
                    obj=reading,
                    old_value=old_value,
                    value=value,
                )
            else:
                reading = Reading(
                    feed_key=key,
                    meter=meter,
                    read_on=today,
                    source=Reading.Source.CUSTOMER,
                    user=user,
                    uid=Reading.new_uid(),
                )
            reading.contract_id = meter.contract_id
            reading.value = value
            reading.status = Reading.Status.RECEIVED
            reading.reason_text = ""
            reading.checksum = ""
            reading.received_at = now
            reading.changed_at = now
            reading.updated_at = now
            reading.submission = submission
            reading.photo = stored_photo
            reading.photo_kind = photo_kind if stored_photo else ""
            reading.rollover = bool(rollover and verdict.below_last)
            reading.leak_confirmed = bool(leak_confirmed and verdict.high)
            reading.decided_at = None
            reading.decided_by = None
            reading.notified_at = None
            reading.save()
            reading.receipt = _receipt(reading)
            reading.save(update_fields=["receipt"])
            audit.record(actor=user, action="readings.submit", obj=reading, value=value)
            mail.send_receipt(reading)
    except ReadingRefused:
        if held_photo is None:
            _delete_photo(stored_photo)
        raise
    except IntegrityError:
        # Another request of this user with the same key won the race: show what it stored.
        # A key that is somebody else's answers nothing about their reading.
        if held_photo is None:
            _delete_photo(stored_photo)
        existing = Reading.objects.filter(submission=submission, user=user).first()
        if existing is None:
            raise ReadingRefused("retry") from None
        return existing, False
    if old_photo:
        transaction.on_commit(lambda: _delete_photo(old_photo))
    return reading, True


# --- staff ---------------------------------------------------------------------------------


def _check(actor):
    if not actor.has_perm(PERMISSION):
        raise PermissionDenied


def _waiting(reading, receipt):
    """The reading, if still waiting and still the one staff looked at: a replacement by the
    customer (same day, before the export) gives it a new receipt number."""
    waiting = Reading.objects.filter(pk=reading.pk, status=Reading.Status.RECEIVED)
    if receipt is not None:
        waiting = waiting.filter(receipt=receipt)
    return waiting


def validate(*, reading, actor, receipt=None):
    """ricevuta → validata. Returns False when the reading was not waiting any more (or, with
    `receipt`, was replaced since staff saw it)."""
    _check(actor)
    now = timezone.now()
    with transaction.atomic():
        done = _waiting(reading, receipt).update(
            status=Reading.Status.VALIDATED,
            decided_at=now,
            decided_by=actor,
            changed_at=now,
            reason_text="",
        )
        if done:
            audit.record(actor=actor, action="readings.validate", obj=reading)
    return bool(done)


def reject(*, reading, reason, actor, note="", receipt=None):
    """ricevuta → respinta with `reason` (a RejectionReason), and the e-mail to the customer.
    Returns False when the reading was not waiting any more (or, with `receipt`, was
    replaced since staff saw it)."""
    _check(actor)
    now = timezone.now()
    text = reason.text if not note else f"{reason.text} {note}".strip()
    text = text[: Reading._meta.get_field("reason_text").max_length]
    with transaction.atomic():
        done = _waiting(reading, receipt).update(
            status=Reading.Status.REJECTED,
            decided_at=now,
            decided_by=actor,
            changed_at=now,
            reason_text=text,
        )
        if done:
            audit.record(actor=actor, action="readings.reject", obj=reading, reason=reason.text)
            reading.refresh_from_db()
            _notify_rejection(reading)
    return bool(done)


def _notify_rejection(reading):
    if reading.user is not None and reading.user.email and reading.notified_at is None:
        mail.send_rejected(reading)
        Reading.objects.filter(pk=reading.pk).update(notified_at=timezone.now())


def notify_feed_verdicts():
    """E-mail the customers whose self-readings the billing system rejected through the feed
    (daily from housekeeping, and `manage.py readings_notify`). Returns how many."""
    pending = Reading.objects.filter(
        status=Reading.Status.REJECTED, notified_at=None, user__isnull=False
    ).select_related("user", "meter", "contract")
    count = 0
    for reading in pending:
        with transaction.atomic():
            _notify_rejection(reading)
        count += 1
    return count


def on_housekeeping(sender, **kwargs):
    return notify_feed_verdicts()


# --- "Elimina profilo" -----------------------------------------------------------------------


def forget_readings(user):
    """The readings stay (they are the contract's, and the billing system has them); the
    photos are deleted and the readings no longer point to the profile."""
    readings = Reading.objects.filter(user=user)
    photos = [name for name in readings.values_list("photo", flat=True) if name]
    readings.update(user=None, photo="", photo_kind="", submission=None)
    held = PendingPhoto.objects.filter(user=user)
    photos += list(held.values_list("name", flat=True))
    held.delete()
    transaction.on_commit(lambda: [_delete_photo(name) for name in photos])


# --- a photo held while the page asks for a confirmation --------------------------------------


def hold_photo(*, user, photo, photo_kind, replacing=None):
    """Check and re-encode `photo` (it has passed check_upload) and keep it in the private
    storage for the confirmation page; `replacing` (the photo held so far) is dropped."""
    content, kind = clean_image(photo, photo_kind)
    name = store(content, folder="readings/held", kind=kind)
    filename = (photo.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    max_length = PendingPhoto._meta.get_field("filename").max_length
    held = PendingPhoto.objects.create(
        user=user, name=name, kind=kind, filename=filename[-max_length:] or "foto"
    )
    if replacing is not None:
        drop_held_photo(replacing)
    # A few forms open at once are enough: older held photos of the user go, so that posting
    # photos without ever confirming cannot fill the storage.
    for old in PendingPhoto.objects.filter(user=user).order_by("-created_at", "-pk")[HELD_MAX:]:
        drop_held_photo(old)
    return held


def drop_held_photo(held):
    """The customer removed (or replaced) the photo on the confirmation page."""
    if PendingPhoto.objects.filter(pk=held.pk, user_id=held.user_id).delete()[0]:
        _delete_photo(held.name)


def prune_held_photos(max_age):
    """Delete the held photos older than `max_age` seconds (their token has expired):
    `manage.py housekeeping`, daily. Returns how many."""
    stale = PendingPhoto.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=max_age))
    count = 0
    for held in stale.iterator():
        if PendingPhoto.objects.filter(pk=held.pk).delete()[0]:
            _delete_photo(held.name)
            count += 1
    return count
