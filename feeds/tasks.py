from django_tasks import task

from . import services


@task()
def run_import_job(job_uid):
    """Run an uploaded feed (a pending ImportJob whose directory is set)."""
    job = services.execute_job(job_uid=job_uid)
    return job.state if job else "skipped"
