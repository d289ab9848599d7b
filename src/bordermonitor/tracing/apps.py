from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_recipients(sender, apps=None, **kwargs) -> None:
    """After `migrate` (and after a test flush): put the packaged recipients back."""
    from bordermonitor.tracing.services import recipients_seed

    recipients_seed(apps)


class TracingConfig(AppConfig):
    name = "bordermonitor.tracing"
    label = "tracing"
    verbose_name = "Tracing: missing persons, interventions, deaths, detentions"

    def ready(self) -> None:
        post_migrate.connect(_seed_recipients, sender=self, dispatch_uid="tracing-recipients")
