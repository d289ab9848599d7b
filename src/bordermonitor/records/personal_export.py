"""Personal-data exports: named people, their testimonies and their relatives' reports,
for a lawyer or the ICRC, in an encrypted file.

Choice of format: a ZIP with AES-256 encryption (WinZip AE-2, written by `pyzipper`),
because the recipients are NGOs, lawyers and tracing services who can open it with
7-Zip, WinZip or macOS/Linux tools without installing anything of ours.  The
passphrase is generated here (24 random characters, ~143 bits) and shown once to the
operator, to be sent through another channel than the file.  Only file *contents*
are encrypted in a ZIP, so member names carry no personal data (`persons.json`).

Rules: the operator needs the `personal_data.export` capability and a fresh second
factor (the command uses `accounts.step_up`); each person goes through the same
access check as their page (need-to-know included; an unknown or hidden code is
refused by name and nothing is written); an erased person appears as a tombstone
only.  Every exported person is audited (action `export`, kind `person`, the code).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import User
from bordermonitor.records import selectors
from bordermonitor.records.models import Person

CAPABILITY = "personal_data.export"
PASSPHRASE_ALPHABET = string.ascii_letters + string.digits
PASSPHRASE_LENGTH = 24
MAX_PERSONS = 500


class PersonalExportError(ValueError):
    """The export cannot be made (argument named); nothing was written."""


@dataclass(frozen=True)
class PersonalExport:
    path: Path
    passphrase: str
    persons: int


def new_passphrase() -> str:
    return "".join(secrets.choice(PASSPHRASE_ALPHABET) for _ in range(PASSPHRASE_LENGTH))


def _erased(person: Person) -> bool:
    return person.data_key.destroyed_at is not None


def person_record(user: User, person: Person) -> dict:
    """What a recipient receives about one person (the caller checked access)."""
    if _erased(person):
        return {"code": person.code, "erased_on": f"{person.data_key.destroyed_at:%Y-%m-%d}"}
    from bordermonitor.tracing.models import MissingPersonReport

    record = {
        "code": person.code,
        "names": [
            {
                "name": v.full_name,
                "script": v.script,
                "written_by": v.written_by,
                "main": v.is_primary,
            }
            for v in person.name_variants.all()
        ],
        "sex": person.sex,
        "birth": str(person.birth) if person.birth else None,
        "estimated_age": person.estimated_age,
        "nationality": person.nationality.code if person.nationality_id else None,
        "languages": list(person.languages or []),
        "vulnerabilities": list(person.vulnerabilities or []),
        "notes": person.notes or "",
        "testimonies": [],
        "missing_person_reports": [],
    }
    if user.can("sources.view"):
        visible = selectors._sources_visible_to(user).filter(persons=person)
        for source in visible.select_related("data_key").order_by("received_on", "code"):
            if source.data_key.destroyed_at is not None:
                continue
            record["testimonies"].append(
                {
                    "code": source.code,
                    "kind": source.kind,
                    "received_on": source.received_on.isoformat(),
                    "testimony": source.testimony or "",
                }
            )
    if user.can("tracing.view"):
        reports = MissingPersonReport.objects.filter(person=person).select_related("data_key")
        for report in reports.order_by("received_on", "code"):
            if report.data_key.destroyed_at is not None:
                continue
            record["missing_person_reports"].append(
                {
                    "code": report.code,
                    "received_on": report.received_on.isoformat(),
                    "reporter_relationship": report.reporter_relationship,
                    "reporter_name": report.reporter_name or "",
                    "reporter_phone": report.reporter_phone or "",
                    "reporter_whatsapp": report.reporter_whatsapp or "",
                    "reporter_telegram": report.reporter_telegram or "",
                    "reporter_email": report.reporter_email or "",
                    "last_contact": str(report.last_contact) if report.last_contact else None,
                    "last_phone": report.last_phone or "",
                    "companions": report.companions or "",
                    "heading_to": report.heading_to or "",
                    "circumstances": report.circumstances or "",
                }
            )
    return record


def export_persons(
    codes: list[str], *, by: User, out: Path, passphrase: str | None = None
) -> PersonalExport:
    """Write the people with these codes to an AES-256 zip at `out`; audited per person.

    Refused as a whole (nothing written, nothing audited as exported) when a code is
    unknown or not visible to `by`, when `by` lacks the capability, or `out` exists.
    """
    codes = [c.strip() for c in codes if c and c.strip()]
    if not codes:
        raise PersonalExportError("--codes: name at least one person code")
    if len(codes) > MAX_PERSONS:
        raise PersonalExportError(f"--codes: at most {MAX_PERSONS} people in one export")
    if not (by and by.is_active and by.can(CAPABILITY)):
        raise PersonalExportError(f"the role may not export personal data ({CAPABILITY})")
    out = Path(out)
    if out.exists():
        raise PersonalExportError(f"--out: {out} already exists; choose a new name")
    if not out.parent.is_dir():
        raise PersonalExportError(f"--out: the directory {out.parent} does not exist")
    passphrase = passphrase or new_passphrase()
    if len(passphrase) < 16:
        raise PersonalExportError("passphrase: at least 16 characters")

    records = []
    with transaction.atomic(), audit.acting_as(audit.Actor.of(by)):
        for code in dict.fromkeys(codes):
            try:
                person = selectors.access_person(by, code)
            except Http404:
                raise PersonalExportError(
                    f"--codes: {code}: no such person, or not visible to {by.get_username()}"
                ) from None
            person = Person.objects.select_related("data_key", "nationality").get(pk=person.pk)
            records.append(person_record(by, person))
        payload = {
            "exported_at": timezone.now().isoformat(timespec="seconds"),
            "exported_by": by.get_username(),
            "persons": records,
        }
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=".export-")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            with pyzipper.AESZipFile(
                tmp, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
            ) as zf:
                zf.setpassword(passphrase.encode())
                zf.setencryption(pyzipper.WZ_AES, nbits=256)
                zf.writestr(
                    "persons.json", json.dumps(payload, ensure_ascii=False, indent=1).encode()
                )
            for record in records:
                audit.audit_record(None, audit.EXPORT, "person", record["code"])
            os.chmod(tmp, 0o600)
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return PersonalExport(path=out, passphrase=passphrase, persons=len(records))
