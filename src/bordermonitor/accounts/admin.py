"""Accounts are managed by admins; the role decides everything else."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.admin import OTPAdminSite

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import ApiToken, Team, User

# The admin site too wants a verified second factor (django-otp's documented way of
# turning the default site into an OTPAdminSite): a password alone opens nothing.
admin.site.__class__ = OTPAdminSite


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
        "role",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    # user, role and expiry are fixed at creation (with a fresh second factor)
    readonly_fields = (
        "user",
        "role",
        "created_by",
        "key_hash",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)

    def has_add_permission(self, request):
        return False  # made on the token page or by `token create`: the secret shown once


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    """Teams for need-to-know: who may see the restricted records assigned to a team."""

    list_display = ("name",)
    filter_horizontal = ("members",)

    def save_related(self, request, form, formsets, change):
        """Membership changes are audited with the admin who made them."""
        with audit.acting_as(audit.Actor.of(request.user, audit.client_address(request))):
            super().save_related(request, form, formsets, change)
