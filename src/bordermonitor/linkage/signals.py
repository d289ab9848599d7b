"""Keep each person's matching data current whenever their records are saved.

Signals rather than calls from records/ and tracing/: those apps stay unaware of
matching, and every path that saves a name, a person, a report or a detention (pages,
API, intake, imports) is covered alike.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from bordermonitor.records.models import NameVariant, Person
from bordermonitor.tracing.models import Detention, MissingPersonReport


def _refresh(person_id) -> None:
    """Refresh inside the saving transaction: a rolled-back save leaves no trace here."""
    from bordermonitor.linkage.services import matching_data_refresh

    person = Person.objects.filter(pk=person_id).first()
    if person is not None:
        matching_data_refresh(person)


@receiver(post_save, sender=Person, dispatch_uid="linkage-person")
def _person_saved(sender, instance: Person, raw: bool = False, **kwargs) -> None:
    if not raw:
        _refresh(instance.pk)


@receiver(post_save, sender=NameVariant, dispatch_uid="linkage-name")
def _name_saved(sender, instance: NameVariant, raw: bool = False, **kwargs) -> None:
    if not raw:
        _refresh(instance.person_id)


@receiver(post_save, sender=MissingPersonReport, dispatch_uid="linkage-report")
def _report_saved(sender, instance: MissingPersonReport, raw: bool = False, **kwargs) -> None:
    if not raw:
        _refresh(instance.person_id)


@receiver(post_save, sender=Detention, dispatch_uid="linkage-detention")
def _detention_saved(sender, instance: Detention, raw: bool = False, **kwargs) -> None:
    if not raw:
        _refresh(instance.person_id)
