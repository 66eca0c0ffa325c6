"""Core's own e-mail: the operators' test message. Each app keeps its messages in its own
`mail.py` (one function per message, templates under mail/<kind>/) on top of core.outbox.
"""

from .outbox import queue_message


def send_test_message(*, to):
    """Operators' check that mail reaches the outside world (`manage.py mail_test`)."""
    return queue_message(kind="test_message", to=to, context={})
