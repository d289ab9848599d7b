"""Seed the Belarus–EU border vocabularies, nationalities and gazetteer (data, editable)."""

from django.db import migrations


def seed(apps, schema_editor):
    from bordermonitor.core.services import vocabularies_seed

    vocabularies_seed(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
