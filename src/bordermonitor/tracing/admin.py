"""Recipients of requests are edited by admins in the Django admin site."""

from django.contrib import admin

from bordermonitor.tracing.models import Recipient


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "country", "default_answer_days", "active")
    list_editable = ("default_answer_days", "active")
    list_filter = ("kind", "country", "active")
    search_fields = ("code", "name", "name_ru")
