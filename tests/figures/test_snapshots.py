"""Publishing freezes a figure set; recomputing it later says what changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.figures.models import FigureSnapshot
from bordermonitor.figures.rules import RULES_VERSION
from bordermonitor.figures.services import publish_figure_set, recompute
from bordermonitor.records.exports import Period
from bordermonitor.tracing import services as tracing

pytestmark = pytest.mark.django_db

PERIOD = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
NARRATIVE = {"deaths": "In the forest near Ozerany the border guard found Samira Testowa."}


@pytest.fixture
def deaths(users):
    officer = users["tracing_officer"]
    made = []
    for month in (1, 2, 3):
        for nationality in ("SYR", "IRQ"):
            for day in range(1, 7):
                made.append(
                    tracing.death_record(
                        found=FuzzyDate.day(2024, month, day),
                        confirmation="official_statement",
                        place="bruzgi",
                        nationality=nationality,
                        description="Samira Testowa was found by the river",
                        by=officer,
                    )
                )
    return made


def test_publishing_freezes_codes_tables_and_rules(deaths, users):
    snapshot = publish_figure_set(PERIOD, users["coordinator"], NARRATIVE)
    snapshot = FigureSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.rules_version == RULES_VERSION and snapshot.k == 5
    assert snapshot.counted["deaths_per_month"] == sorted(d.code for d in deaths)
    table = snapshot.tables["deaths_per_month"]
    assert [["2024-01", "official_statement"], 12] in table["rows"]
    assert [["total", "total"], 36] in table["rows"]
    totals = dict((k[0], v) for k, v in snapshot.tables["cumulative_totals"]["rows"])
    assert totals["deaths_official"] == 36 and "deaths_testimony_only" not in totals  # 0
    # codes, never content; the narrative is sealed in the database
    assert "Samira" not in str(snapshot.tables) + str(snapshot.counted)
    assert snapshot.narrative == NARRATIVE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT narrative FROM {FigureSnapshot._meta.db_table}")  # noqa: S608
        raw = bytes(cursor.fetchone()[0])
    assert b"Samira" not in raw and b"Ozerany" not in raw


def test_recompute_reproduces_and_then_shows_what_changed(deaths, users):
    snapshot = publish_figure_set(PERIOD, users["coordinator"])
    again = recompute(snapshot)
    assert again.reproduced and again.unchanged and not again.rules_changed

    # a body found in March is recorded late; one of January is moved out of the period
    late = tracing.death_record(
        found=FuzzyDate.day(2024, 3, 20),
        confirmation="official_statement",
        place="bruzgi",
        nationality="SYR",
        by=users["tracing_officer"],
    )
    moved = deaths[0]
    moved.found_earliest = moved.found_latest = dt.date(2023, 12, 31)
    moved.save()

    changed = recompute(snapshot)
    assert changed.added["deaths_per_month"] == [late.code]
    assert changed.removed["deaths_per_month"] == [moved.code]
    cells = {(c.figure, c.key): (c.published, c.now) for c in changed.changed}
    assert cells[("deaths_per_month", ("2024-01", "official_statement"))] == (12, 11)
    assert cells[("deaths_per_month", ("2024-03", "official_statement"))] == (12, 13)
    assert ("deaths_per_month", ("total", "total")) not in cells  # 36 then, 36 now
    # recounting the frozen records: the moved body is still one of them, now counted
    # in December 2023 (a cell of one, suppressed), so the published table is not
    # reproduced; the late body is not among them
    frozen = changed.frozen["deaths_per_month"]
    assert frozen.value("2023-12", "official_statement") is None  # present, hidden
    assert not changed.reproduced


def test_a_figure_set_needs_the_end_of_its_period(users):
    with pytest.raises(ValidationError, match="date_to"):
        publish_figure_set(Period(dt.date(2024, 1, 1), None), users["coordinator"])
    with pytest.raises(ValidationError, match="date_to"):
        publish_figure_set(Period(dt.date(2024, 5, 1), dt.date(2024, 4, 1)), users["coordinator"])
    assert not FigureSnapshot.objects.exists()
