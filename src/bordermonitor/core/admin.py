"""Vocabularies are edited by admins in the Django admin site."""

from django.contrib import admin

from bordermonitor.core.models import (
    BorderSection,
    EventType,
    Nationality,
    Perpetrator,
    Place,
    ViolationType,
)


@admin.register(ViolationType, EventType)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "active", "sort_order")
    list_editable = ("active", "sort_order")
    search_fields = ("code", "label")


@admin.register(Perpetrator)
class PerpetratorAdmin(VocabularyAdmin):
    list_display = ("code", "label", "country", "active", "sort_order")


@admin.register(Nationality)
class NationalityAdmin(admin.ModelAdmin):
    list_display = ("code", "alpha2", "name", "active")
    list_editable = ("active",)
    search_fields = ("code", "name")


@admin.register(BorderSection)
class BorderSectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "countries")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "name_ru",
        "kind",
        "country",
        "border_section",
        "latitude",
        "longitude",
    )
    list_filter = ("country", "kind", "border_section")
    search_fields = ("code", "name", "name_ru")
