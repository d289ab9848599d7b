from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "bordermonitor.linkage"
    label = "linkage"
    verbose_name = "Matching people across scripts"
