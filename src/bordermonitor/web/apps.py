from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "bordermonitor.web"
    label = "web"
    verbose_name = "Web pages"
