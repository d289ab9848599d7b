"""Erasure of one person (crypto-shredding), and re-applying erasures after a restore.

`erase_person(code)` destroys the data key of the person and of every record that
exists only to describe them, so what those keys sealed can never be opened again:

- the person: name variants (deleted, with their blind-index tokens) and notes;
- testimonies (sources) whose *only* subject is this person: testimony text, each
  event account, translations, and their evidence files (rows and files deleted);
  a testimony that also names other people is kept whole (it is their evidence
  too) and listed in the result for a coordinator to review by hand;
- their missing-person reports (relatives' names and contacts, last phone,
  companions, circumstances), tracing cases (notes, reasons of status changes) and
  the requests sent about those cases, their detentions, and the death record
  identified as them (its description);
- derived matching data: `PersonMatchData`, blocking keys, and the reasons written
  on match decisions sealed with the person's key (pending proposals are computed
  from the matching data, so none is made any more).

What is counted stays, as a tombstone: the person row (code, sex, nationality,
birth range, flags) with its destroyed key ("erased on <date>"), the report, case,
death and detention rows (dates, places, statuses), acts and events (an event is an
incident of a group; its text is not the person's alone).  Sealed columns under a
destroyed key are set to NULL as well, so no page ever tries to open them.

The destroyed key ids go to the erasure ledger beside the master key
(`core.erasure_ledger`), which `unwrap_data_key` obeys and `restore` re-applies
(`apply_erasure_ledger`), so a backup taken before the erasure does not bring the
person back.  One audit entry (action `erase`, kind `person`, the code) records that
an erasure happened, never what was erased.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from bordermonitor.accounts import audit
from bordermonitor.core.crypto import key_cache
from bordermonitor.core.erasure_ledger import destroyed_keys, record_destroyed
from bordermonitor.core.fields import _EncryptedField
from bordermonitor.core.models import DataKey

logger = logging.getLogger(__name__)


class ErasureError(ValueError):
    """The erasure cannot be done (e.g. no such person); nothing was changed."""


@dataclass
class ErasureResult:
    """What an erasure did: codes and counts only, never content."""

    code: str
    erased_on: dt.date
    keys_destroyed: int = 0
    names_removed: int = 0
    sources_erased: list[str] = field(default_factory=list)
    sources_kept: list[str] = field(default_factory=list)  # name others too: review by hand
    events_to_review: list[str] = field(default_factory=list)
    reports_erased: list[str] = field(default_factory=list)
    cases_erased: list[str] = field(default_factory=list)
    records_erased: list[str] = field(default_factory=list)  # interventions, detentions, deaths
    files_deleted: int = 0


def encrypted_fields(model: type[models.Model]) -> list[str]:
    """Attribute names of the model's sealed columns."""
    return [f.attname for f in model._meta.concrete_fields if isinstance(f, _EncryptedField)]


def _null_sealed(qs: models.QuerySet) -> int:
    """Set every sealed column of these rows to NULL (no signals, no decryption)."""
    names = encrypted_fields(qs.model)
    return qs.update(**dict.fromkeys(names)) if names else 0


def _evidence_files(attachment_ids: Iterable[uuid.UUID]) -> list[Path]:
    from bordermonitor.records.evidence import evidence_path

    return [evidence_path(pk, which) for pk in attachment_ids for which in ("original", "working")]


def _delete_files(paths: list[Path]) -> int:
    deleted = 0
    for path in paths:
        try:
            path.unlink()
            deleted += 1
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("erasure: an evidence file could not be deleted")
    return deleted


def is_erased(record) -> bool:
    """Whether a protected record's data key was destroyed (it is a tombstone)."""
    return DataKey.objects.filter(pk=record.data_key_id, destroyed_at__isnull=False).exists()


def _remove_derived(person_ids: Iterable[uuid.UUID]) -> int:
    """Names, blind-index tokens and matching data of erased people."""
    from bordermonitor.linkage.models import (
        BlockingKey,
        MatchDecision,
        NamePart,
        PersonMatchData,
    )
    from bordermonitor.records.models import NameToken, NameVariant

    person_ids = list(person_ids)
    NameToken.objects.filter(person_id__in=person_ids).delete()
    names, _ = NameVariant.objects.filter(person_id__in=person_ids).delete()
    PersonMatchData.objects.filter(person_id__in=person_ids).delete()
    BlockingKey.objects.filter(person_id__in=person_ids).delete()
    NamePart.objects.filter(person_id__in=person_ids).delete()
    # reasons are sealed with the key of the decision's `person` (see its model)
    _null_sealed(MatchDecision.objects.filter(person_id__in=person_ids))
    return names


def _destroy_keys(key_ids: set[uuid.UUID], now: dt.datetime) -> None:
    DataKey.objects.filter(pk__in=key_ids).update(wrapped=None, destroyed_at=now)
    for key_id in key_ids:
        key_cache.forget(key_id)


def erase_person(
    code: str, *, actor: audit.Actor | None = None, progress: Callable[[str], None] | None = None
) -> ErasureResult:
    """Crypto-shred one person and what exists only to describe them (see module doc).

    All in one transaction: a missing or already erased code raises ErasureError and
    changes nothing.  Evidence files are deleted once the transaction has committed.
    """
    from bordermonitor.records.models import (
        Attachment,
        Person,
        Source,
        SourceEvent,
        TestimonyTranslation,
    )
    from bordermonitor.tracing.models import (
        CaseTransition,
        DeathRecord,
        Detention,
        Intervention,
        MissingPersonReport,
        TracingCase,
    )

    say = progress or (lambda message: None)
    code = (code or "").strip()
    if not code:
        raise ErasureError("person code: give the code of the person to erase (e.g. P-2024-00123)")
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(code=code).first()
        if person is None:
            raise ErasureError(f"person code {code}: no such person; nothing was erased")
        if is_erased(person):
            raise ErasureError(f"person {code} was already erased; nothing was changed")
        result = ErasureResult(code=code, erased_on=now.date())
        keys: set[uuid.UUID] = {person.data_key_id}

        # testimonies: erased when this person is their only subject
        sources = list(Source.objects.filter(persons=person).only("pk", "code", "data_key_id"))
        links = Source.persons.through.objects.filter(source_id__in=[s.pk for s in sources])
        subjects = dict(
            links.values("source_id")
            .annotate(n=models.Count("person_id", distinct=True))
            .values_list("source_id", "n")
        )
        only = [s for s in sources if subjects.get(s.pk) == 1]
        result.sources_kept = sorted(s.code for s in sources if subjects.get(s.pk, 0) > 1)
        source_ids = [s.pk for s in only]
        result.sources_erased = sorted(s.code for s in only)
        keys |= {s.data_key_id for s in only}
        attachments = list(
            Attachment.objects.filter(source_id__in=source_ids).values_list("pk", "data_key_id")
        )
        keys |= {k for _, k in attachments}

        reports = MissingPersonReport.objects.filter(person=person)
        cases = TracingCase.objects.filter(person=person)
        interventions = Intervention.objects.filter(case__in=cases)
        detentions = Detention.objects.filter(person=person)
        deaths = DeathRecord.objects.filter(person=person)
        for qs, bucket in (
            (reports, result.reports_erased),
            (cases, result.cases_erased),
            (interventions, result.records_erased),
            (detentions, result.records_erased),
            (deaths, result.records_erased),
        ):
            rows = list(qs.values_list("code", "data_key_id"))
            bucket.extend(sorted(c for c, _ in rows))
            keys |= {k for _, k in rows}
        result.events_to_review = sorted(
            set(person.acts.values_list("event__code", flat=True).distinct())
        )
        say(f"destroying {len(keys)} data keys")

        _destroy_keys(keys, now)
        _null_sealed(Person.objects.filter(pk=person.pk))
        result.names_removed = _remove_derived([person.pk])
        _null_sealed(Source.objects.filter(pk__in=source_ids))
        _null_sealed(SourceEvent.objects.filter(source_id__in=source_ids))
        TestimonyTranslation.objects.filter(source_id__in=source_ids).delete()
        with audit.acting_as(actor or audit.current_actor()):
            Attachment.objects.filter(pk__in=[pk for pk, _ in attachments]).delete()
        _null_sealed(TracingCase.objects.filter(person=person))
        _null_sealed(CaseTransition.objects.filter(case__person=person))
        for qs in (reports, interventions, detentions, deaths):
            _null_sealed(qs)
        result.keys_destroyed = len(keys)

        audit.audit_record(actor, audit.ERASE, "person", code)
        # last, so a ledger that cannot be written rolls the erasure back
        record_destroyed(keys, now.date())
        files = _evidence_files(pk for pk, _ in attachments)
        transaction.on_commit(lambda: setattr(result, "files_deleted", _delete_files(files)))
    say(f"erased {code}")
    return result


# -- after a restore ----------------------------------------------------------------------


def scrub_sealed(key_ids: set[uuid.UUID], progress: Callable[[str], None] | None = None) -> int:
    """Set to NULL every sealed value, in every table, sealed with one of these keys.

    Reads the key id from each sealed value's header (`core.crypto`), so it needs no
    knowledge of which record owns which row: used after a restore, where the backup
    predates erasures recorded in the ledger.
    """
    cleared = 0
    for model in apps.get_models():
        names = encrypted_fields(model)
        if not names:
            continue
        for name in names:
            hits = []
            rows = model._base_manager.filter(**{f"{name}__isnull": False}).values_list("pk", name)
            for pk, sealed in rows.iterator(chunk_size=2000):
                blob = bytes(getattr(sealed, "blob", sealed))
                if len(blob) > 17 and uuid.UUID(bytes=blob[1:17]) in key_ids:
                    hits.append(pk)
            for start in range(0, len(hits), 500):
                chunk = hits[start : start + 500]
                cleared += model._base_manager.filter(pk__in=chunk).update(**{name: None})
        if progress:
            progress(f"checked {model._meta.label}")
    return cleared


def apply_erasure_ledger(progress: Callable[[str], None] | None = None) -> int:
    """Re-apply every erasure of the ledger to this database (after `restore`).

    Keys listed in the ledger are destroyed, what they sealed is cleared, erased
    people lose their names and matching data again, and evidence of erased
    attachments is dropped (rows here, files by the caller).  Returns how many keys
    in this database were destroyed now.
    """
    from bordermonitor.records.models import Attachment, Person, TestimonyTranslation

    ledger = destroyed_keys()
    if not ledger:
        return 0
    present = set(
        DataKey.objects.filter(pk__in=list(ledger), destroyed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for key_id in present:
        day = ledger[key_id]
        when = dt.datetime.combine(day if day != dt.date.min else timezone.now().date(), dt.time())
        DataKey.objects.filter(pk=key_id).update(
            wrapped=None, destroyed_at=timezone.make_aware(when, dt.UTC)
        )
        key_cache.forget(key_id)
    destroyed = set(DataKey.objects.filter(destroyed_at__isnull=False).values_list("pk", flat=True))
    scrub_sealed(destroyed, progress)
    _remove_derived(Person.objects.filter(data_key_id__in=destroyed).values_list("pk", flat=True))
    TestimonyTranslation.objects.filter(
        text__isnull=True, source__data_key_id__in=destroyed
    ).delete()
    with audit.acting_as(audit.Actor.system("restore")):
        Attachment.objects.filter(data_key_id__in=destroyed).delete()
    return len(present)
