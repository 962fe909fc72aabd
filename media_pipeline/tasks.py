"""Tasks of the media pipeline; each only says "look at this job row now"."""

from django_tasks import task

from .jobs import run_job


@task()
def run_media_job(job_id: int) -> str | None:
    job = run_job(job_id)
    return job.state if job is not None else None
