"""API tokens carry the role their user had when made (issue 6); existing tokens take
the user's current role, so they keep working until it changes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def roles_from_users(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.select_related("user").iterator():
        token.role = token.user.role
        token.save(update_fields=["role"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_need_to_know_teams"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="role",
            field=models.CharField(
                choices=[
                    ("admin", "admin"),
                    ("coordinator", "coordinator"),
                    ("monitor", "monitor"),
                    ("tracing_officer", "tracing officer"),
                    ("lawyer", "lawyer"),
                    ("analyst", "analyst"),
                ],
                default="",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(roles_from_users, migrations.RunPython.noop),
    ]
