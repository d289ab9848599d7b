"""Personal-data exports: own capability, fresh second factor, encrypted file, audited."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
import pyzipper
from django.core.management import CommandError, call_command

from bordermonitor.accounts.models import AuditEntry
from bordermonitor.records.services import NameInput, person_create, source_create
from tests.signin import second_factor_for

pytestmark = pytest.mark.django_db

NAME = "Hawre Mahmoud Rasul"
TESTIMONY = "Hawre was pushed back at night near Białowieża."


@pytest.fixture
def person(monitor):
    p = person_create(names=[NameInput(NAME, "self")], created_by=monitor, nationality="IRQ")
    source_create(
        kind="interview",
        received_on=dt.date(2024, 7, 1),
        created_by=monitor,
        testimony=TESTIMONY,
        persons=[p],
    )
    return p


def _export(user, codes: str, out, otp: str | None = None) -> str:
    stdout = io.StringIO()
    call_command(
        "export_personal",
        "persons",
        codes=codes,
        out=str(out),
        operator=user.username,
        otp=otp or second_factor_for(user).fresh_code(),
        stdout=stdout,
    )
    return stdout.getvalue()


def test_coordinator_exports_an_encrypted_zip_that_opens_with_the_passphrase(
    users, person, tmp_path
):
    out = tmp_path / "for-lawyer.zip"
    printed = _export(users["coordinator"], person.code, out)
    passphrase = re.search(r"passphrase \(shown once.*\): (\S+)", printed)[1]
    raw = out.read_bytes()
    assert NAME.encode() not in raw and b"Hawre" not in raw and b"pushed back" not in raw
    with pyzipper.AESZipFile(out) as zf:
        assert zf.namelist() == ["persons.json"]
        with pytest.raises(RuntimeError):
            zf.read("persons.json")  # no passphrase
        zf.setpassword(passphrase.encode())
        data = json.loads(zf.read("persons.json"))
    [record] = data["persons"]
    assert record["code"] == person.code
    assert record["names"][0]["name"] == NAME
    assert record["testimonies"][0]["testimony"] == TESTIMONY
    with pyzipper.AESZipFile(out) as zf:
        zf.setpassword(b"wrong passphrase 123456")
        with pytest.raises(RuntimeError):
            zf.read("persons.json")
    entries = AuditEntry.objects.filter(action="export", kind="person", code=person.code)
    assert entries.count() == 1
    assert AuditEntry.objects.filter(action="step_up", code="personal_data.export").exists()


@pytest.mark.parametrize("role", ["admin", "monitor", "tracing_officer", "lawyer", "analyst"])
def test_other_roles_may_not_export_personal_data(users, person, tmp_path, role):
    out = tmp_path / "x.zip"
    with pytest.raises(CommandError, match="may not"):
        _export(users[role], person.code, out)
    assert not out.exists()
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_wrong_code_or_no_second_factor_writes_nothing(users, person, tmp_path):
    coordinator = users["coordinator"]
    out = tmp_path / "x.zip"
    with pytest.raises(CommandError, match="P-2000-00042: no such person"):
        _export(coordinator, f"{person.code},P-2000-00042", out)
    with pytest.raises(CommandError, match="code"):
        second_factor_for(coordinator)
        _export(coordinator, person.code, out, otp="000000")
    assert not out.exists()
    assert not list(tmp_path.glob(".export-*"))
    assert not AuditEntry.objects.filter(action="export").exists()
