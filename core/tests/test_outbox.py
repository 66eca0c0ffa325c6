import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import mail, outbox
from core.models import AuditEvent, OutboxMessage

State = OutboxMessage.State


def _due_now(message):
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_message_and_its_task_are_written_with_the_change(db):
    message = mail.send_test_message(to="mario.rossi@example.com")
    message.refresh_from_db()
    assert message.state == State.PENDING
    assert "Messaggio di prova" in message.subject
    assert "la posta in uscita funziona" in message.body_text
    assert "<p>" in message.body_html
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(message.pk)]).exists()


def test_a_rolled_back_change_sends_nothing(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail.send_test_message(to="mario.rossi@example.com")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_worker_delivers_over_smtp(smtp):
    # transaction=True: the worker closes database connections between tasks.
    message = mail.send_test_message(to="mario.rossi@example.com")
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.transport == "smtp"
    assert [m.rcpt_tos for m in smtp.messages] == [["mario.rossi@example.com"]]
    assert b"la posta in uscita funziona" in smtp.messages[0].original_content


def test_smtp_down_keeps_the_message_and_delivers_it_once_when_back(db, smtp):
    smtp.stop()
    message = mail.send_test_message(to="mario.rossi@example.com")

    assert outbox.deliver(message.pk) == State.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    assert "Error" in message.last_error or "refused" in message.last_error.lower()
    # the retry is queued for later, not lost
    assert DBTaskResult.objects.filter(run_after=message.next_attempt_at).exists()

    smtp.start()
    assert outbox.deliver(message.pk) is None, "not due yet: nothing happens"
    _due_now(message)
    assert outbox.deliver(message.pk) == State.SENT
    assert outbox.deliver(message.pk) is None, "already sent: a second run sends nothing"
    outbox.deliver_due()
    assert len(smtp.messages) == 1


def test_message_is_dead_after_the_last_attempt_and_staff_can_requeue_it(db, smtp, settings, diana):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp.stop()
    message = mail.send_test_message(to="mario.rossi@example.com")
    for _ in range(3):
        _due_now(message)
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.state == State.DEAD
    assert message.attempts == 3

    smtp.start()
    assert outbox.requeue(message=message, actor=diana)
    assert not outbox.requeue(message=message, actor=diana), "only dead messages are requeued"
    assert outbox.deliver(message.pk) == State.SENT
    assert len(smtp.messages) == 1
    event = AuditEvent.objects.get(action="outbox.requeue")
    assert event.actor == diana
    assert event.object_id == str(message.pk)


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip


def test_without_email_url_nothing_leaves_the_machine(db, settings, smtp):
    settings.EMAIL_URL = ""
    message = mail.send_test_message(to="mario.rossi@example.com")
    assert outbox.deliver(message.pk) == State.SENT
    message.refresh_from_db()
    assert message.transport == "mailbox"
    assert smtp.messages == []


def test_sweep_releases_a_stale_claim(db, smtp):
    message = mail.send_test_message(to="mario.rossi@example.com")
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=State.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    call_command("send_outbox", verbosity=0)
    message.refresh_from_db()
    assert message.state == State.SENT
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_message_once(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a server database; SQLite serialises them anyway")
    messages = [mail.send_test_message(to=f"cliente{i}@example.com") for i in range(20)]
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        try:
            for message in messages:
                outbox.deliver(message.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(m.to for m in messages)
    assert OutboxMessage.objects.filter(state=State.SENT).count() == 20


def test_mail_test_command_queues_a_message(db, capsys):
    call_command("mail_test", "operatore@example.com")
    assert OutboxMessage.objects.get().to == "operatore@example.com"
