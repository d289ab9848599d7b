"""Russian labels for the vocabularies, border sections and nationalities, filled by
the seeding (packaged data; nationalities from pycountry's Russian catalogue)."""

from django.db import migrations, models


def fill_russian(apps, schema_editor):
    from bordermonitor.core.services import vocabularies_seed

    vocabularies_seed(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_seed_vocabularies"),
    ]

    operations = [
        migrations.AddField(
            model_name="bordersection",
            name="name_ru",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="name in Russian"
            ),
        ),
        migrations.AddField(
            model_name="eventtype",
            name="label_ru",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="label in Russian"
            ),
        ),
        migrations.AddField(
            model_name="nationality",
            name="name_ru",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="name in Russian"
            ),
        ),
        migrations.AddField(
            model_name="perpetrator",
            name="label_ru",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="label in Russian"
            ),
        ),
        migrations.AddField(
            model_name="violationtype",
            name="label_ru",
            field=models.CharField(
                blank=True, default="", max_length=200, verbose_name="label in Russian"
            ),
        ),
        migrations.RunPython(fill_russian, migrations.RunPython.noop),
    ]
