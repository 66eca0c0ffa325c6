from django_tasks import task

from . import outbox


@task()
def deliver_outbox_message(message_id):
    state = outbox.deliver(message_id)
    return state or "skipped"
