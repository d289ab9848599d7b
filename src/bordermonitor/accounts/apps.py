from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bordermonitor.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        """Audit changes, sign-ins and permission changes (accounts.signals)."""
        from bordermonitor.accounts import signals

        signals.connect()
