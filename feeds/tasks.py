from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from . import services

# How long an upload waits, still queued, when another import is running.
BUSY_RETRY = timedelta(seconds=30)


# A queue of its own: a long import never delays a password-reset mail on "default".
@task(queue_name="imports")
def run_import_job(job_uid):
    """Run an uploaded feed (a pending ImportJob whose directory is set). While another
    import runs, the job stays pending and this task is queued again for later."""
    try:
        job = services.execute_job(job_uid=job_uid)
    except services.ImportBusy:
        run_import_job.using(run_after=timezone.now() + BUSY_RETRY).enqueue(job_uid)
        return "waiting"
    return job.state if job else "skipped"
