"""Meters and their readings (the guide's "Letture contatore").

A meter belongs to a water contract; a meter change is a `removed_on` on the old meter and a
new serial on the same contract, so both histories stay. A reading is the operator's
(`operator`), the customer's (`customer`: an autolettura, sent on the portal or through the
billing system) or an estimate (`estimated`). Rows from the billing system's feed carry
`feed_key` ("serial|read_on|source") and the feed's `checksum`; a customer's reading sent on
the portal gets the same kind of key, so the billing system's verdict on it (a `customer`
row with its status) updates that very row. Each reading records the contract it was taken
under (the meter's contract at the time), so a meter that moves to another holder's contract
leaves its history with the contract that took it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Meter(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("a lettura diretta")
        DIAL = "dial", _("a lancette")

    # Unique through Meta.constraints (see Reading.feed_key).
    serial = models.CharField(_("matricola contatore"), max_length=30)
    # No database-level foreign key (as Bill.contract): the feed checks each meter's contract
    # against the contracts it has just read, and the ORM's CASCADE still deletes a
    # contract's meters. The constraint's check per row halved the import (docs/performance.md).
    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.CASCADE,
        related_name="meters",
        db_constraint=False,
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    digits = models.PositiveSmallIntegerField(_("cifre"), default=5, db_default=5)
    installed_on = models.DateField(_("installato il"), null=True, blank=True)
    removed_on = models.DateField(_("rimosso il"), null=True, blank=True)
    checksum = models.CharField(max_length=32, editable=False, default="", db_default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contatore")
        verbose_name_plural = _("contatori")
        ordering = ["contract", "installed_on", "serial"]
        constraints = [models.UniqueConstraint(fields=["serial"], name="readings_meter_serial")]

    def __str__(self):
        return self.serial

    @property
    def limit(self):
        """The first value the meter cannot show (100000 for 5 digits)."""
        return 10**self.digits


class PendingPhoto(models.Model):
    """A photo checked and re-encoded while the "nuova" page came back with a warning: kept
    in the private storage until the customer confirms (then it becomes the reading's photo),
    removes or replaces it, or `manage.py housekeeping` deletes it (after
    forms.PHOTO_TOKEN_MAX_AGE). The form names it with a signed token bound to the user and
    to the form's one-time key."""

    uid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)  # in the private storage
    kind = models.CharField(max_length=10)  # "jpeg" or "png", as stored
    filename = models.CharField(max_length=100)  # the customer's name for it, shown back
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("foto in attesa di conferma")
        verbose_name_plural = _("foto in attesa di conferma")

    def __str__(self):
        return str(self.uid)


class RejectionReason(models.Model):
    """A reason staff choose when they reject a self-reading; the utility edits the list
    (Amministrazione → Motivi di rifiuto)."""

    text = models.CharField(_("motivo"), max_length=255, unique=True)
    active = models.BooleanField(_("in uso"), default=True)
    position = models.PositiveSmallIntegerField(_("posizione"), default=100)

    class Meta:
        verbose_name = _("motivo di rifiuto della lettura")
        verbose_name_plural = _("motivi di rifiuto della lettura")
        ordering = ["position", "text"]

    def __str__(self):
        return self.text


class Reading(models.Model):
    class Source(models.TextChoices):
        OPERATOR = "operator", _("lettura")
        CUSTOMER = "customer", _("autolettura")
        ESTIMATED = "estimated", _("stima")

    class Status(models.TextChoices):
        RECEIVED = "received", _("ricevuta")
        VALIDATED = "validated", _("validata")
        REJECTED = "rejected", _("respinta")

    # Only readings sent on the portal have a uid (URLs, receipts); feed rows may not.
    uid = models.UUIDField(null=True, editable=False)
    # Unique through Meta.constraints (readings_feed_key), not unique=True: PostgreSQL would
    # get a second, pattern-matching index on it that no query uses.
    feed_key = models.CharField(max_length=64)
    # Indexed by readings_contract_day (contract, meter, read_on); the feed's rows, 3 million
    # of them, carry only the indexes they need: the unique keys below are partial. No
    # database-level foreign keys on meter and contract: the feed finds each reading's meter
    # (and its contract) in the table it has just read, the portal takes a reading for a
    # meter it has locked, and the ORM's CASCADE still deletes them with the meter or the
    # contract. The two constraints' checks per row made the 3 million readings' load 1.7
    # times slower (docs/performance.md).
    meter = models.ForeignKey(
        Meter,
        on_delete=models.CASCADE,
        related_name="readings",
        db_index=False,
        db_constraint=False,
    )
    # The contract the reading was taken under: the meter's contract when the feed brought it
    # or the customer sent it. A meter moved to another contract (a change of holder) leaves
    # its readings with the contract that took them.
    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.CASCADE,
        related_name="readings_taken",
        db_index=False,  # readings_contract_day
        db_constraint=False,
    )
    read_on = models.DateField(_("data"))
    value = models.PositiveIntegerField(_("lettura (m³)"))
    source = models.CharField(_("tipo"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("stato"),
        max_length=10,
        choices=Status.choices,
        default=Status.VALIDATED,
        db_default=Status.VALIDATED,
    )
    reason_text = models.CharField(
        _("motivo"), max_length=255, blank=True, default="", db_default=""
    )
    checksum = models.CharField(max_length=32, editable=False, default="", db_default="")
    updated_at = models.DateTimeField(default=timezone.now)

    # A self-reading sent on the portal.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meter_readings",
        db_index=False,  # readings_user, partial
    )
    received_at = models.DateTimeField(_("ricevuta il"), null=True, blank=True)
    receipt = models.CharField(_("numero ricevuta"), max_length=20, null=True)
    submission = models.UUIDField(null=True, editable=False)
    photo = models.CharField(max_length=255, blank=True, default="", db_default="")
    photo_kind = models.CharField(max_length=10, blank=True, default="", db_default="")
    rollover = models.BooleanField(default=False, db_default=False)
    leak_confirmed = models.BooleanField(default=False, db_default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # only read with its reading; SET_NULL on a staff deletion scans
    )
    notified_at = models.DateTimeField(null=True, blank=True)  # the rejection e-mail
    exported_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)  # for export_feed

    class Meta:
        verbose_name = _("lettura")
        verbose_name_plural = _("letture")
        ordering = ["-read_on", "-id"]
        permissions = [("validate_reading", "Can validate or reject self-readings")]
        indexes = [
            models.Index(fields=["contract", "meter", "read_on"], name="readings_contract_day"),
            models.Index(
                fields=["status", "received_at"],
                name="readings_queue",
                condition=models.Q(received_at__isnull=False),
            ),
            models.Index(
                fields=["changed_at"],
                name="readings_changed",
                condition=models.Q(changed_at__isnull=False),
            ),
            models.Index(
                fields=["user"], name="readings_user", condition=models.Q(user__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["feed_key"], name="readings_feed_key"),
            models.UniqueConstraint(
                fields=["uid"], name="readings_uid_unique", condition=models.Q(uid__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["receipt"],
                name="readings_receipt_unique",
                condition=models.Q(receipt__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["submission"],
                name="readings_submission_unique",
                condition=models.Q(submission__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.meter_id} {self.read_on} {self.value}"

    @staticmethod
    def key(serial, read_on, source):
        day = read_on.isoformat() if hasattr(read_on, "isoformat") else read_on
        return f"{serial}|{day}|{source}"

    @staticmethod
    def new_uid():
        return uuid.uuid4()

    @property
    def is_estimate(self):
        return self.source == self.Source.ESTIMATED
