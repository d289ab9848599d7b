"""Accounts are managed by admins; the role decides everything else."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import ApiToken, User


@admin.register(User)
class BorderUserAdmin(UserAdmin):
    list_display = ("username", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password", "role", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "role", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        """A role or active-flag change is audited with the admin who made it."""
        with audit.acting_as(audit.Actor.of(request.user, audit.client_address(request))):
            super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "hint",
        "user",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    readonly_fields = ("key_hash", "hint", "created_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request):
        return False  # a token's secret is shown once, by `bordermonitor token create`
