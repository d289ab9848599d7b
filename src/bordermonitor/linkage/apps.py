from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "bordermonitor.linkage"
    label = "linkage"
    verbose_name = "Matching people across scripts"

    def ready(self) -> None:
        from bordermonitor.linkage import signals  # noqa: F401 (registers the receivers)
