from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "bordermonitor.records"
    label = "records"
    verbose_name = "People, events, acts and sources"
