import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One run of the billing-system feed (docs/feed.md), from the command or an upload in
    the back-office: the same code runs both."""

    class State(models.TextChoices):
        PENDING = "pending", _("in coda")
        RUNNING = "running", _("in corso")
        DONE = "done", _("completato")
        FAILED = "failed", _("non leggibile")
        # Stopped half-way (a signal, an error, or a worker that died: see the sweep in
        # services.py); the batches applied so far stay.
        INTERRUPTED = "interrupted", _("interrotta")

    class Source(models.TextChoices):
        COMMAND = "command", _("comando")
        UPLOAD = "upload", _("caricamento dal back-office")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: written after every batch (and every few seconds otherwise), so a job
    # whose worker died can be told from a slow one (services.sweep_stale_jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # "host:pid" of the process running the job: on the same host a dead pid means the job
    # is over at once, without waiting for its heartbeat to grow old.
    runner = models.CharField(max_length=200, blank=True)
    directory = models.CharField(max_length=500, blank=True)
    # {"customers.csv": {"created": n, "updated": n, "unchanged": n, "error": n}, ...}
    counts = models.JSONField(default=dict)
    message = models.TextField(blank=True)
    # Progress for the job page: data lines in the files (counted before importing, blank
    # lines included) and data lines read so far, written with every batch.
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One running import at a time, whoever started it (the command from cron, an
            # upload in the worker): the database refuses a second "running" row.
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state="running"),
                name="feeds_importjob_one_running",
            )
        ]
        verbose_name = _("importazione")
        verbose_name_plural = _("importazioni")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    @property
    def error_count(self):
        return sum(c.get("error", 0) for c in self.counts.values())


class ImportRow(models.Model):
    """A row the job could not apply, with its reason (`file:line: reason`).

    Rows applied or unchanged are counted on the job, not stored one by one: a full load
    is 650,000 rows and must take under a minute.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    file = models.CharField(max_length=40)
    line = models.PositiveIntegerField()
    key = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["file", "line"]
        # The job page lists a job's rejected rows in file order, a page at a time.
        indexes = [models.Index(fields=["job", "file", "line"], name="feeds_row_job_file_line")]

    def __str__(self):
        return f"{self.file}:{self.line}: {self.reason}"
