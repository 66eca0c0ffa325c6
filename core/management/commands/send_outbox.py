from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = (
        "Deliver every due message of the mail outbox now, releasing claims of workers that "
        "died mid-send. The worker does this by itself; run this from cron as a safety net or "
        "after changing EMAIL_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many messages.")

    def handle(self, *args, limit, **options):
        states = outbox.deliver_due(limit=limit)
        sent = sum(1 for s in states if s == "sent")
        self.stdout.write(f"{len(states)} due, {sent} sent, {len(states) - sent} left for later")
