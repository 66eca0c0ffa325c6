from core.outbox import queue_message


def send_hello(*, to, link):
    """The domain's own mail, on its own templates (templates/mail/plugin_hello/)."""
    return queue_message(kind="plugin_hello", to=to, context={"link": link})
