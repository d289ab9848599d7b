from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bordermonitor.api"
    label = "api"
    verbose_name = "API"
