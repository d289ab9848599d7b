from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bordermonitor.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
