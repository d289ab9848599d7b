from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bordermonitor.demo"
    label = "demo"
    verbose_name = "Demo scenarios"
