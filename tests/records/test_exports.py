"""Exports for sharing and for publication: what each row holds, and the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import stat
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records.exports import (
    Period,
    age_group,
    export_events_for_publication,
    export_events_for_sharing,
    published_events,
)
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)

pytestmark = pytest.mark.django_db

VICTIM_NAME = "Hawraa Bint-Qasimova"
SHARE_AND_PUBLISH = Consent(share_un=True, publish_anonymously=True, internal_only=False)


@pytest.fixture
def world(monitor) -> dict:
    """A shared-and-published event with a named victim and a group; an event only
    publishable; an event only shareable; an event from 2022 outside most periods."""
    victim = person_create(
        names=[NameInput(VICTIM_NAME, "self")],
        created_by=monitor,
        sex="f",
        birth=parse_fuzzy_date("2010"),
        nationality="SYR",
    )
    both = event_create(
        date=parse_fuzzy_date("2024-03-15"),
        created_by=monitor,
        title="Pushback near Kuźnica",
        place="kuznica",
        event_types=["pushback"],
        description=f"{VICTIM_NAME} and eleven others",
        counts=GroupCounts(group_size=12, women=3, children=4),
    )
    act_create(event=both, violation_type="pushback", perpetrator="pl-army", victim=victim)
    act_create(
        event=both,
        violation_type="pushback",
        perpetrator="pl-army",
        victim_group_count=11,
        victim_group_women=2,
    )
    act_create(event=both, violation_type="beating", perpetrator="by-sbc", victim_group_count=2)
    source_create(
        kind="witness",
        received_on=dt.date(2024, 3, 20),
        created_by=monitor,
        language="ar",
        reliability="high",
        consent=Consent(quote=True, share_un=True, publish_anonymously=True, internal_only=False),
        testimony=f"I saw {VICTIM_NAME} pushed back.",
        events=[both],
    )
    publish_only = event_create(
        date=parse_fuzzy_date("2024-04-01..2024-06-30"), created_by=monitor, place="bruzgi"
    )
    source_create(
        kind="media",
        received_on=dt.date(2024, 7, 1),
        created_by=monitor,
        consent=Consent(publish_anonymously=True, internal_only=False),
        events=[publish_only],
    )
    share_only = event_create(date=parse_fuzzy_date("2024"), created_by=monitor, side="LT")
    source_create(
        kind="official",
        received_on=dt.date(2024, 8, 1),
        created_by=monitor,
        consent=Consent(share_un=True, internal_only=False),
        events=[share_only],
    )
    old = event_create(date=parse_fuzzy_date("2022-11-05"), created_by=monitor, place="kuznica")
    source_create(
        kind="interview",
        received_on=dt.date(2022, 11, 6),
        created_by=monitor,
        consent=SHARE_AND_PUBLISH,
        events=[old],
    )
    return {"both": both, "publish_only": publish_only, "share_only": share_only, "old": old}


def _share(fmt: str = "json", period: Period | None = None):
    out = StringIO()
    count = export_events_for_sharing(out, fmt=fmt, period=period or Period())
    return count, out.getvalue()


def _publish(fmt: str = "json", period: Period | None = None):
    out = StringIO()
    count = export_events_for_publication(out, fmt=fmt, period=period or Period())
    return count, out.getvalue()


# -- sharing ---------------------------------------------------------------------------


def test_sharing_holds_the_event_its_acts_and_consenting_sources(world):
    count, text = _share(period=Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    data = json.loads(text)
    assert data["purpose"] == "share"
    assert data["date_from"] == "2024-01-01"
    codes = [e["event_code"] for e in data["events"]]
    assert codes == [world["share_only"].code, world["both"].code]  # oldest first
    assert count == 2
    row = data["events"][1]
    assert row["date"] == "2024-03-15"
    assert row["place"] == "kuznica"
    assert row["border_section"] == "BY-PL-C"
    assert row["side"] == "PL"
    assert row["event_types"] == ["pushback"]
    assert row["counts"] == {"group_size": 12, "women": 3, "men": None, "children": 4}
    assert row["acts"][0] == {
        "violation_type": "pushback",
        "perpetrator": "pl-army",
        "victim": {"kind": "person", "sex": "f", "age_group": "child", "nationality": "SYR"},
    }
    assert row["acts"][1]["victim"] == {
        "kind": "group",
        "count": 11,
        "women": 2,
        "men": None,
        "children": None,
    }
    assert row["sources"] == [
        {"kind": "witness", "received_on": "2024-03-20", "language": "ar", "reliability": "high"}
    ]


def test_sharing_carries_no_name_code_or_free_text(world):
    _, text = _share()
    victim_code = world["both"].acts.exclude(victim=None).get().victim.code
    for secret in (VICTIM_NAME, "Hawraa", "Qasimova", victim_code, "Pushback near", "eleven"):
        assert secret not in text
    assert world["both"].code in text  # the export did describe that event


def test_a_source_consenting_only_to_publication_is_not_shared(world):
    _, text = _share()
    codes = [e["event_code"] for e in json.loads(text)["events"]]
    assert world["publish_only"].code not in codes
    assert world["share_only"].code in codes
    assert "media" not in text


def test_sharing_csv_has_one_row_per_event(world):
    count, text = _share("csv", Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    rows = list(csv.DictReader(io.StringIO(text)))
    # "2024" may fall in March: a period keeps events that may fall inside it
    assert [r["event_code"] for r in rows] == [world["share_only"].code, world["both"].code]
    assert count == 2
    row = rows[1]
    assert row["acts"] == (
        "pushback/pl-army/person:sex=f,age_group=child,nationality=SYR"
        " | pushback/pl-army/group:count=11,women=2,men=,children="
        " | beating/by-sbc/group:count=2,women=,men=,children="
    )
    assert row["sources"] == "witness,2024-03-20,ar,high"
    assert row["group_size"] == "12" and row["men"] == ""


# -- publication -----------------------------------------------------------------------


def test_publication_is_anonymised(world):
    count, text = _publish()
    data = json.loads(text)
    assert data["purpose"] == "publish"
    rows = data["events"]
    assert count == len(rows) == 3
    assert [r["period"] for r in rows] == ["2022-11", "2024-03", "2024-04..2024-06"]
    row = rows[1]
    assert set(row) == {
        "period",
        "month_from",
        "month_to",
        "event_types",
        "side",
        "border_section",
        "counts",
        "acts",
        "sources",
    }
    assert row["border_section"] == "BY-PL-C"
    assert row["acts"] == [
        {"violation_type": "beating", "perpetrator": "by-sbc", "victims": 2},
        {"violation_type": "pushback", "perpetrator": "pl-army", "victims": 12},
    ]
    assert row["sources"] == 1
    for secret in (world["both"].code, "kuznica", "2024-03-15", "SYR", VICTIM_NAME, "witness"):
        assert secret not in text
    assert world["share_only"].code not in text


def test_publication_csv_and_period(world):
    count, text = _publish("csv", Period(dt.date(2024, 1, 1), None))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == 2
    assert [r["period"] for r in rows] == ["2024-03", "2024-04..2024-06"]
    assert rows[0]["acts"] == "beating/by-sbc/2 | pushback/pl-army/12"
    assert "event_code" not in rows[0]


def test_published_events_filter_and_refuse_unknown_codes(world):
    assert published_events(border_section="BY-PL-C").count() == 3
    assert published_events(violation_type="beating").count() == 1
    assert published_events(border_section="BY-LV").count() == 0
    with pytest.raises(ValidationError) as err:
        published_events(border_section="nowhere", violation_type="tickling")
    assert set(err.value.message_dict) == {"border_section", "violation_type"}


def test_a_reversed_period_is_refused(world):
    with pytest.raises(ValidationError) as err:
        _publish(period=Period(dt.date(2024, 5, 1), dt.date(2024, 4, 1)))
    assert "date_to" in err.value.message_dict


@pytest.mark.parametrize(
    ("birth", "estimated", "estimated_on", "expected"),
    [
        ("2010", None, None, "child"),
        ("1990", None, None, "adult"),
        ("1950", None, None, "elderly"),
        ("2005..2008", None, None, "unknown"),  # 15 to 18 on the day: cannot tell
        (None, 30, dt.date(2024, 3, 1), "adult"),
        (None, 17, dt.date(2026, 3, 1), "child"),  # 17 two years later: 15 on the day
        (None, None, None, "unknown"),
    ],
)
def test_age_group_on_the_day(monitor, birth, estimated, estimated_on, expected):
    person = person_create(
        names=[NameInput("A B")],
        created_by=monitor,
        birth=parse_fuzzy_date(birth) if birth else None,
        estimated_age=estimated,
        age_estimated_on=estimated_on,
    )
    assert age_group(person, dt.date(2024, 3, 15)) == expected


def test_csv_cells_are_not_formulas(world):
    from bordermonitor.core.models import Place

    Place.objects.filter(code="kuznica").update(name="=HYPERLINK(1)")
    _, text = _share("csv")
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text


# -- the command -----------------------------------------------------------------------


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_command_writes_a_private_file_and_reports_progress(world, tmp_path, fmt):
    target = tmp_path / f"events.{fmt}"
    _, err = _command(
        "events",
        "--purpose=publish",
        "--from=2024-01-01",
        "--to=2024-12-31",
        f"--format={fmt}",
        f"--output={target}",
    )
    text = target.read_text(encoding="utf-8")
    assert "2024-04..2024-06" in text and "2022-11" not in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "exported 2 of 2 events" in err
    assert f"Wrote 2 events (publish, {fmt}) to {target}" in err
    assert list(tmp_path.iterdir()) == [target]  # no partial file left behind


@pytest.mark.parametrize(
    ("args", "blamed"),
    [
        (["--from=2024-13-01"], "--from"),
        (["--to=yesterday"], "--to"),
        (["--from=2024-05-01", "--to=2024-04-01"], "--to"),
        (["--purpose=everyone"], "--purpose"),
        (["--format=xlsx"], "--format"),
    ],
)
def test_command_bad_arguments_name_the_argument_and_write_nothing(world, tmp_path, args, blamed):
    target = tmp_path / "events.csv"
    base = ["events", "--purpose=share", f"--output={target}"]
    with pytest.raises(CommandError) as err:
        _command(*base, *args)
    assert blamed in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_command_output_problems(world, tmp_path):
    existing = tmp_path / "kept.csv"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="--output: .* already exists"):
        _command("events", "--purpose=share", f"--output={existing}")
    assert existing.read_text() == "keep me"
    with pytest.raises(CommandError, match="--output: the directory .* does not exist"):
        _command("events", "--purpose=share", f"--output={tmp_path / 'missing' / 'x.csv'}")
    with pytest.raises(CommandError, match="--output: .* is a directory"):
        _command("events", "--purpose=share", f"--output={tmp_path}")
    _command("events", "--purpose=share", f"--output={existing}", "--overwrite")
    assert existing.read_text().startswith("event_code,")
