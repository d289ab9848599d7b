"""`bordermonitor seed`: add packaged vocabulary terms missing from the database."""

from django.core.management.base import BaseCommand

from bordermonitor.core.services import vocabularies_seed
from bordermonitor.tracing.services import recipients_seed


class Command(BaseCommand):
    help = "Insert the packaged vocabularies, gazetteer and tracing recipients where missing."

    def handle(self, *args, **options):
        added = vocabularies_seed()
        for table, n in added.items():
            self.stdout.write(f"{table}: {n} added")
        self.stdout.write(f"recipients: {recipients_seed()} added")
