"""Acceptance (issue 7, open data): `bordermonitor export --what ... --format ...`.

HXL validates with libhxl; the deaths and missing files have the IOM Missing
Migrants Project's columns in order; no count from 1 to k-1 in any cell of any
export; no name, code or free text from the database in any export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import stat
from importlib import resources
from pathlib import Path

import hxl
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from bordermonitor.core.dates import FuzzyDate, parse_fuzzy_date
from bordermonitor.figures.open_data import LAYOUTS, OPEN_FORMATS, WHATS
from bordermonitor.records.models import Event, NameVariant, Person, Source, SourceEvent
from bordermonitor.records.services import (
    Consent,
    GroupCounts,
    NameInput,
    act_create,
    event_create,
    person_create,
    source_create,
)
from bordermonitor.tracing import services as tracing
from bordermonitor.tracing.models import (
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
    TracingCase,
)

K = 5
COUNT_COLUMNS = {
    "incidents",
    "people",
    "victims",
    "No. dead",
    "Minimum Estimated Number of Missing",
}
PUBLISH = Consent(publish_anonymously=True, internal_only=False)
SECRET_TESTIMONY = "Qadirwand saw them beat Zubaida Qarnawiyya behind the Vyrkashev barn"
VICTIM = "Zubaida Qarnawiyya"


def _export(tmp_path: Path, what: str, fmt: str, *extra: str) -> tuple[Path, str]:
    target = tmp_path / f"{what}.{fmt}"
    err = io.StringIO()
    call_command(
        "export",
        f"--what={what}",
        f"--format={fmt}",
        "--from=2021-08-01",
        "--to=2025-02-28",
        f"--out={target}",
        "--overwrite",
        *extra,
        stderr=err,
    )
    return target, err.getvalue()


def _rows(path: Path, fmt: str) -> tuple[str, list[dict]]:
    """Everything the file says, as text, and its data rows as dictionaries."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        sheet = book.worksheets[0]
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        text = "\n".join(
            ",".join("" if v is None else str(v) for v in r)
            for ws in book.worksheets
            for r in ws.iter_rows(values_only=True)
        )
        header = values[0]
        # a row may end early where its last cells are empty
        padded = [r + [None] * (len(header) - len(r)) for r in values[1:]]
        return text, [dict(zip(header, r, strict=True)) for r in padded]
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
        return text + json.dumps(data, ensure_ascii=False), data["rows"]
    lines = text.splitlines()
    if fmt == "hxl":
        lines = [lines[0], *lines[2:]]  # the hashtag row is not data
    return text, list(csv.DictReader(io.StringIO("\n".join(lines))))


def _counts(rows: list[dict]) -> list[int]:
    out = []
    for row in rows:
        for column, value in row.items():
            if column in COUNT_COLUMNS and value not in (None, ""):
                out.append(int(value))
    return out


def _built(monitor, officer) -> None:
    """Records beside the demo's, so that every file has numbers that are published:
    incidents and violations with named victims and testimonies, deaths and reports."""
    victim = person_create(
        names=[NameInput(VICTIM, "self"), NameInput("Зубайда Карнавийя", "belarus_official")],
        created_by=monitor,
        sex="f",
        nationality="ERI",
        notes="lives with her cousin in Białystok",
    )
    events = []
    for day in range(1, 7):
        event = event_create(
            date=parse_fuzzy_date(f"2024-10-{day:02d}"),
            created_by=monitor,
            title="Pushback near Kuźnica, group of eight",
            place="kuznica",
            event_types=["pushback"],
            description=f"{SECRET_TESTIMONY} (day {day})",
            counts=GroupCounts(group_size=8, women=2),
        )
        act_create(
            event=event,
            violation_type="pushback",
            perpetrator="pl-border-guard",
            victim_group_count=7,
        )
        act_create(
            event=event, violation_type="pushback", perpetrator="pl-border-guard", victim=victim
        )
        events.append(event)
    source_create(
        kind="interview",
        received_on=dt.date(2024, 10, 20),
        created_by=monitor,
        language="ti",
        consent=PUBLISH,
        testimony=SECRET_TESTIMONY,
        events=events,
        persons=[victim],
    )
    for _ in range(6):
        tracing.death_record(
            found=FuzzyDate.day(2024, 11, 5),
            confirmation="official_statement",
            place="bruzgi",
            nationality="SYR",
            presumed_cause="hypothermia",
            description=f"Body of a man who travelled with {VICTIM}",
            by=officer,
        )
    for i in range(6):
        tracing.missing_report_file_new_person(
            names=[NameInput(f"Hamoudi Tarhouniyya{'x' * i}", "relative")],
            by=officer,
            nationality="SYR",
            received_on=dt.date(2024, 11, 3),
            reporter_relationship="sibling",
            reporter_name=f"Farouqa Tarhouniyya{'x' * i}",
            reporter_phone="+963 944 123 456",
            last_contact_side="BY",
            circumstances="He wrote from the swamp near the Vyrkashev barn",
        )


def _secrets() -> tuple[list[str], list[str]]:
    """Every name (and its words), code and free text in the database."""
    names = set()
    for variant in NameVariant.objects.all():
        names.add(variant.full_name)
        names.update(w for w in variant.full_name.split() if len(w) >= 3)
    texts = set()
    for report in MissingPersonReport.objects.all():
        names.add(report.reporter_name)
        names.update(w for w in report.reporter_name.split() if len(w) >= 3)
        texts.update(
            [
                report.reporter_phone,
                report.reporter_whatsapp,
                report.reporter_telegram,
                report.reporter_email,
                report.last_phone,
                report.companions,
                report.circumstances,
            ]
        )
    texts.update(e.description for e in Event.objects.all())
    texts.update(e.title for e in Event.objects.all())
    texts.update(s.testimony for s in Source.objects.all())
    texts.update(s.account for s in SourceEvent.objects.all())
    texts.update(d.description for d in DeathRecord.objects.all())
    for i in Intervention.objects.all():
        texts.update([i.request_summary, i.answer_summary, i.reference])
    for d in Detention.objects.all():
        texts.update([d.legal_ground, d.notes])
    texts.update(p.notes for p in Person.objects.all())
    # the MMP incident ids the demo's deaths were taken from
    texts.discard(None)
    texts.update(re.findall(r"\d{4}\.MMP\d+", " ".join(texts)))
    codes = set()
    for model in (
        Person,
        Event,
        Source,
        MissingPersonReport,
        TracingCase,
        Intervention,
        DeathRecord,
        Detention,
    ):
        codes.update(model.objects.values_list("code", flat=True))
    words = sorted(n for n in names if n)
    literal = sorted(t for t in texts | codes if t and len(t) >= 6)
    return words, literal


@pytest.mark.django_db(transaction=False)
def test_every_open_data_export_is_safe_and_well_formed(users, monitor, tmp_path):
    call_command("demo", scenario="report-2024", no_serve=True, stdout=io.StringIO())
    _built(monitor, users["tracing_officer"])
    words, literal = _secrets()
    assert VICTIM in words and SECRET_TESTIMONY in literal and len(words) > 200
    word_pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)")

    published_somewhere = {what: False for what in WHATS}
    for what in WHATS:
        for fmt in OPEN_FORMATS:
            path, err = _export(tmp_path, what, fmt)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert "counted" in err and f"rows of {what} ({fmt})" in err
            text, rows = _rows(path, fmt)
            assert rows, f"{what} {fmt} is empty"
            counts = _counts(rows)
            small = [c for c in counts if 0 < c < K]
            assert not small, f"{what} {fmt}: counts below {K}: {small}"
            published_somewhere[what] |= any(c >= K for c in counts)
            leaked = [s for s in literal if s in text]
            assert not leaked, f"{what} {fmt} let out: {leaked[:5]}"
            named = word_pattern.findall(text)
            assert not named, f"{what} {fmt} names: {sorted(set(named))[:5]}"
            if fmt == "hxl":
                _check_hxl(path, what)
    assert all(published_somewhere.values()), published_somewhere


def _check_hxl(path: Path, what: str) -> None:
    source = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    tags = [c.display_tag for c in source.columns]
    assert tags == LAYOUTS[what].tags
    assert "#date" in tags[1] or tags[0] == "#date"
    report = hxl.validate(hxl.data(str(path), hxl.InputOptions(allow_local=True)))
    assert report["is_valid"], report["issues"][:3]
    assert report["stats"]["error"] == 0
    rows = list(hxl.data(str(path), hxl.InputOptions(allow_local=True)))
    assert rows and all(re.fullmatch(r"\d{4}-\d{2}", r.get("#date")) for r in rows)
    if what == "deaths":
        assert "#affected+killed" in tags and any(r.get("#affected+killed") for r in rows)
    if what == "missing":
        assert any(r.get("#affected+missing") for r in rows)
    if what == "incidents":
        assert "#country+code" in tags


def test_the_missing_migrants_layout_has_its_columns_in_order():
    """The column names and order of IOM MMP as the packaged subset's README gives them."""
    data = resources.files("bordermonitor.demo") / "data"
    readme = (data / "iom_mmp_belarus_deaths.README.md").read_text(encoding="utf-8")
    kept = re.search(r"kept only the columns (.+?), renamed to (.+?);", readme, re.S)
    original = re.findall(r"`([^`]+)`", kept.group(1))
    renamed = [c.strip() for c in kept.group(2).strip("` \n").split(",")]
    subset = (data / "iom_mmp_belarus_deaths.csv").read_text(encoding="utf-8").splitlines()[0]
    assert subset.split(",") == renamed  # the README describes the subset as it is
    for what in ("deaths", "missing"):
        columns = LAYOUTS[what].columns
        assert columns[: len(original)] == original
        assert columns[len(original) :] == ["Minimum Estimated Number of Missing"]


@pytest.mark.django_db
def test_events_known_only_internally_leave_by_no_open_data_path(monitor, tmp_path):
    def pushbacks(month: str, consent: Consent) -> None:
        made = []
        for day in range(1, 7):
            event = event_create(
                date=parse_fuzzy_date(f"{month}-{day:02d}"),
                created_by=monitor,
                place="terespol",
                counts=GroupCounts(group_size=40),
            )
            act_create(
                event=event,
                violation_type="dog-attack",
                perpetrator="pl-army",
                victim_group_count=40,
            )
            made.append(event)
        source_create(
            kind="witness",
            received_on=dt.date(2024, 12, 1),
            created_by=monitor,
            consent=consent,
            events=made,
        )

    pushbacks("2024-03", PUBLISH)
    pushbacks("2024-07", Consent(internal_only=True))
    for what, column in (("incidents", "incidents"), ("violations", "victims")):
        path, _ = _export(tmp_path, what, "csv")
        _, rows = _rows(path, "csv")
        months = {r["month"] for r in rows}
        assert "2024-03" in months and "2024-07" not in months, what
        assert any(r[column] for r in rows if r["month"] == "2024-03"), what


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "blamed"),
    [
        (["--from=2024-02-30"], "--from"),
        (["--to=soon"], "--to"),
        (["--from=2024-05-01", "--to=2024-04-01"], "--to"),
        (["--purpose=publish"], "--purpose"),
        (["events"], "--what"),
    ],
)
def test_bad_arguments_name_the_option_and_write_nothing(tmp_path, args, blamed):
    target = tmp_path / "deaths.csv"
    with pytest.raises(CommandError) as err:
        call_command("export", "--what=deaths", f"--out={target}", *args, stderr=io.StringIO())
    assert blamed in str(err.value)
    assert list(tmp_path.iterdir()) == []
