"""Every e-mail the portal sends: one function per message, templates under mail/<kind>/.

Each function queues through the outbox, so it belongs inside the transaction of the change
that causes it.
"""

from .outbox import queue_message


def send_test_message(*, to):
    """Operators' check that mail reaches the outside world (`manage.py mail_test`)."""
    return queue_message(kind="test_message", to=to, context={})
