from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bordermonitor.core"
    label = "core"
    verbose_name = "Core and vocabularies"

    def ready(self) -> None:
        from bordermonitor.core import checks  # noqa: F401  (registers system checks)
