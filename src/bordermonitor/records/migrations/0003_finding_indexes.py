"""Indexes for finding events: acts by event and violation type or perpetrator, events by
side or border section and date, and the few people and groups with vulnerability flags."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_seed_vocabularies"),
        ("records", "0002_testimonies_evidence_drafts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="act",
            index=models.Index(fields=["event", "violation_type"], name="act_event_violation_idx"),
        ),
        migrations.AddIndex(
            model_name="act",
            index=models.Index(fields=["event", "perpetrator"], name="act_event_perpetrator_idx"),
        ),
        migrations.AddIndex(
            model_name="act",
            index=models.Index(
                fields=["victim_group_vulnerabilities", "event"], name="act_group_vulnerable_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["side", "date_earliest"], name="event_side_date_idx"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["border_section", "date_earliest"], name="event_section_date_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["vulnerabilities"], name="person_vulnerable_idx"),
        ),
    ]
