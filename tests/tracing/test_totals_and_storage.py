"""The totals behind /api/v1/stats/tracing, the CLI overdue table, and the sealing of
every sensitive tracing field in the database."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.core.fields import _EncryptedField
from bordermonitor.tracing import services
from bordermonitor.tracing.selectors import tracing_totals

pytestmark = pytest.mark.django_db


def test_totals_keep_official_and_testimony_deaths_apart(make_person, file_report, officer):
    syrian = file_report(make_person("A", "SYR"), received_on=dt.date(2022, 5, 1))
    file_report(syrian.person, received_on=dt.date(2022, 5, 3), reporter_relationship="parent")
    yemeni = file_report(make_person("B", "YEM"), received_on=dt.date(2023, 1, 10))
    file_report(make_person("C", None), received_on=dt.date(2024, 12, 31))
    file_report(make_person("D", "SYR"), received_on=dt.date(2025, 1, 1))  # after the period
    services.case_transition(yemeni.case, "closed", outcome="detained", by=officer, why="x")
    request = services.relay_to_authority(
        syrian.case,
        "by-state-border-committee",
        sent_on=dt.date(2022, 5, 4),
        channel="email",
        by=officer,
    )
    services.relay_to_authority(
        syrian.case, "icrc", sent_on=dt.date(2022, 5, 4), channel="email", by=officer
    )
    services.intervention_answer(
        request, answered_on=dt.date(2022, 6, 1), summary="no information", by=officer
    )
    for found, confirmation, nationality in [
        (FuzzyDate.day(2021, 9, 19), "official_statement", "IRQ"),
        (FuzzyDate.month(2021, 11), "official_statement", "IRQ"),
        (FuzzyDate.day(2022, 2, 1), "official_statement", None),
        (FuzzyDate.day(2023, 1, 5), "testimony_only", "LKA"),
        (FuzzyDate.day(2021, 7, 31), "official_statement", "IRQ"),  # before the period
    ]:
        services.death_record(
            found=found, confirmation=confirmation, nationality=nationality, by=officer
        )

    totals = tracing_totals(dt.date(2021, 8, 1), dt.date(2024, 12, 31))
    assert totals["from"] == "2021-08-01" and totals["to"] == "2024-12-31"
    assert totals["missing_reports"] == {
        "total": 4,
        "by_nationality": {"SYR": 2, "YEM": 1, "unknown": 1},
        "by_outcome": {"active": 3, "detained": 1},
    }
    assert totals["deaths"] == {
        "official_statement": {"total": 3, "by_nationality": {"IRQ": 2, "unknown": 1}},
        "testimony_only": {"total": 1, "by_nationality": {"LKA": 1}},
    }
    by_recipient = {row["recipient"]: row for row in totals["interventions"]}
    assert by_recipient["by-state-border-committee"]["sent"] == 1
    assert by_recipient["by-state-border-committee"]["answer_rate"] == 1.0
    assert by_recipient["icrc"]["answered"] == 0 and by_recipient["icrc"]["answer_rate"] == 0.0
    # consecutive periods add up to the whole
    halves = [
        tracing_totals(dt.date(2021, 8, 1), dt.date(2022, 12, 31)),
        tracing_totals(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
    ]
    assert sum(h["missing_reports"]["total"] for h in halves) == 4
    assert sum(h["deaths"]["official_statement"]["total"] for h in halves) == 3
    assert sum(h["deaths"]["testimony_only"]["total"] for h in halves) == 1


def test_totals_of_an_empty_period_show_both_death_counts():
    totals = tracing_totals(dt.date(2030, 1, 1), dt.date(2030, 12, 31))
    assert totals["missing_reports"]["total"] == 0
    assert totals["deaths"]["official_statement"]["total"] == 0
    assert totals["deaths"]["testimony_only"]["total"] == 0
    assert totals["interventions"] == []


def test_cli_overdue_prints_a_table_for_a_given_day(make_person, file_report, officer):
    case = file_report(make_person(), received_on=dt.date(2024, 1, 5)).case
    late = services.relay_to_authority(
        case,
        "by-state-border-committee",
        sent_on=dt.date(2024, 1, 10),
        channel="post",
        by=officer,
        due_on=dt.date(2024, 2, 9),
    )
    services.relay_to_authority(
        case,
        "icrc",
        sent_on=dt.date(2024, 1, 10),
        channel="email",
        by=officer,
        due_on=dt.date(2024, 3, 31),
    )
    out = StringIO()
    call_command("tracing", "overdue", "--today", "2024-03-01", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["request", "recipient", "about", "sent", "due", "days", "overdue"]
    assert len(lines) == 4  # header, rule, one row, count
    row = lines[2]
    assert row.startswith(late.code) and row.endswith(" 21")
    assert "State Border Committee" in row and case.code in row
    assert "2024-01-10" in row and "2024-02-09" in row
    assert lines[3] == "1 overdue request"
    assert "Ahmad" not in out.getvalue()  # codes, never names

    out = StringIO()
    call_command("tracing", "overdue", "--today", "2024-02-01", stdout=out)
    assert out.getvalue().strip() == "no overdue requests"
    with pytest.raises(CommandError, match="--today: '1 March' is not a date"):
        call_command("tracing", "overdue", "--today", "1 March")


SECRETS = {
    "reporter_name": "Omar Karimi",
    "reporter_phone": "+963 944 123 456",
    "reporter_whatsapp": "+963 944 654 321",
    "reporter_telegram": "@omar_karimi_sy",
    "reporter_email": "omar.karimi@example.org",
    "last_phone": "+375 29 111 22 33",
    "companions": "travelling with his cousin Bilal and two Yemeni men",
    "heading_to": "his uncle in Hamburg, Steindamm 12",
    "circumstances": "last voice message from the forest near Kuźnica, very cold",
}


def _raw_columns(model, pk) -> dict[str, bytes | None]:
    fields = [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {columns} FROM {model._meta.db_table} WHERE id = %s",
            [pk.hex if connection.vendor == "sqlite" else pk],
        )
        row = cur.fetchone()
    return {f.name: (bytes(v) if v is not None else None) for f, v in zip(fields, row, strict=True)}


def test_every_sensitive_tracing_field_is_sealed_in_the_database(make_person, file_report, officer):
    report = file_report(make_person(), **SECRETS)
    case = report.case
    case.notes = "uncle's number +49 151 000 000"
    case.save()
    request = services.relay_to_authority(
        case,
        "icrc",
        sent_on=dt.date(2024, 3, 21),
        channel="email",
        by=officer,
        request_summary="asked about Omar Karimi's brother",
    )
    services.intervention_answer(
        request,
        answered_on=dt.date(2024, 3, 25),
        summary="seen in Grodno hospital ward 4",
        by=officer,
    )
    services.case_transition(case, "closed", outcome="detained", by=officer, why="held in Lida")
    death = services.death_record(
        found=FuzzyDate.day(2024, 3, 1),
        confirmation="testimony_only",
        by=officer,
        description="a man with a red scarf",
    )
    detention = services.detention_record(
        person=report.person,
        facility="tdf-grodno",
        detained_from=dt.date(2024, 3, 18),
        notes="lawyer Ivanova visited",
        by=officer,
    )
    transition = case.transitions.get(to_status="closed")
    written = {
        report: SECRETS,
        case: {"notes": "uncle's number +49 151 000 000"},
        request: {
            "request_summary": "asked about Omar Karimi's brother",
            "answer_summary": "seen in Grodno hospital ward 4",
        },
        transition: {"why": "held in Lida"},
        death: {"description": "a man with a red scarf"},
        detention: {"notes": "lawyer Ivanova visited"},
    }
    sealed_models = {
        m
        for m in apps.get_app_config("tracing").get_models()
        if any(isinstance(f, _EncryptedField) for f in m._meta.concrete_fields)
    }
    assert sealed_models == {type(obj) for obj in written}  # a new sealed model needs a row here
    for obj, values in written.items():
        raw = _raw_columns(type(obj), obj.pk)
        assert set(raw) == set(values), type(obj).__name__  # every sealed field was written
        for name, plaintext in values.items():
            assert raw[name] is not None, name
            assert plaintext.encode() not in raw[name], name
            for word in plaintext.split():
                if len(word) >= 5:
                    assert word.encode() not in raw[name], (name, word)
            fresh = type(obj).objects.get(pk=obj.pk)
            assert getattr(fresh, name) == plaintext
