from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "bordermonitor.figures"
    label = "figures"
    verbose_name = "Figures"

    def ready(self) -> None:
        from bordermonitor.figures import monthly

        monthly.connect()  # keeps the monthly counts current with the records
