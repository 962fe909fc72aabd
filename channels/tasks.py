"""Background tasks of the channel engine (Django Tasks API)."""

from django_tasks import task


@task()
def deliver_due():
    """Deliver every due outbox row; the rows themselves hold the state."""
    from .outbox import run_once

    return run_once()
