from django.core.management.base import BaseCommand

from readings.services import notify_feed_verdicts


class Command(BaseCommand):
    help = (
        "E-mail the customers whose self-readings the billing system rejected through the "
        "feed (readings.csv rows of source customer with status rejected) and who were not "
        "told yet. `manage.py housekeeping` runs it daily; run it after import_feed to tell "
        "them at once."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{notify_feed_verdicts()} e-mail queued")
