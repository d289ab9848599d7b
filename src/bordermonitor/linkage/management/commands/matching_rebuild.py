"""`bordermonitor matching_rebuild`: recompute every person's matching data."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bordermonitor.linkage.services import matching_data_rebuild


class Command(BaseCommand):
    help = "Recompute the derived matching data (blocking-key digests, birth years) of everyone."

    def handle(self, *args, **options) -> None:
        count = matching_data_rebuild()
        self.stdout.write(f"matching data rebuilt for {count} people")
