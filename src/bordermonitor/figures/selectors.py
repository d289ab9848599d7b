"""Every figure as a function: a period in, a plain `Table` out, counted in the database.

Each figure function takes a `Period` (either end may be open: `Period(None, end)`
is "since monitoring began"), a `Scope` (`INTERNAL` counts every event, for the
in-app dashboard; `PUBLISH` only events whose sources consent to anonymous
publication, for anything that leaves — see `figures.rules`), and optionally
`codes`: the record codes a snapshot froze, to recount exactly those records
instead of selecting by period.  It returns a `figures.tables.Table` of counts
(GROUP BY in the database: one query per figure, no loop over records).  The
rules of what counts are in `figures.rules`; nothing here is published as is —
pass the tables through `figures.disclosure` first.

`FIGURES` lists them by name; `figure_set(period, scope)` computes them all,
`counted_codes(name, period, scope)` names the records a figure counted (for
snapshots), `answer_stats(table)` adds answer rate and median days to the
requests table.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from bordermonitor.core.models import ViolationType
from bordermonitor.records.consent import (
    Release,
    known_from_releasable_source,
    releasable_events,
)
from bordermonitor.records.exports import Period
from bordermonitor.records.models import Act, Event
from bordermonitor.tracing.models import (
    CLOSED,
    OFFICIAL,
    TESTIMONY_ONLY,
    DeathRecord,
    Detention,
    Intervention,
    MissingPersonReport,
)

from .rules import (
    ACTIVE,
    ANSWERED,
    DEPORTATION_OUTCOMES,
    PENDING,
    PUSHBACK,
    UNANSWERED,
    UNKNOWN,
    Scope,
)
from .tables import TOTAL, Table

# -- the records each figure counts -----------------------------------------------------


def _in_period(qs: QuerySet, field: str, period: Period) -> QuerySet:
    period.check()
    if period.date_from is not None:
        qs = qs.filter(**{f"{field}__gte": period.date_from})
    if period.date_to is not None:
        qs = qs.filter(**{f"{field}__lte": period.date_to})
    return qs


def events(period: Period, scope: Scope, codes: Collection[str] | None = None) -> QuerySet:
    """The events counted: by the month they start in, through consent when published."""
    qs = releasable_events(Release.PUBLISH) if scope == Scope.PUBLISH else Event.objects.all()
    if codes is not None:
        return qs.filter(code__in=list(codes))
    return _in_period(qs, "date_earliest", period)


def _publishable(event: str) -> Exists:
    """The event (column `event` of the outer query) is known from a source consenting
    to anonymous publication (records.consent, the same test `releasable_events` uses)."""
    return known_from_releasable_source(Release.PUBLISH, OuterRef(event))


def _acts(
    period: Period | None,
    scope: Scope,
    codes: Collection[str] | None,
    *,
    event_ids: Collection | None = None,
) -> QuerySet:
    """The acts of the counted events (the period through a join: SQLite plans an
    `IN (events of the period)` subquery far worse; published: each act's event's
    sources looked up, see `_publishable`)."""
    qs = Act.objects.all()
    if event_ids is not None:
        qs = qs.filter(event_id__in=list(event_ids))
    elif codes is not None:
        qs = qs.filter(event__code__in=list(codes))
    else:
        qs = _in_period(qs, "event__date_earliest", period)
    if scope == Scope.PUBLISH:
        qs = qs.filter(_publishable("event_id"))
    return qs


def pushback_acts(qs: QuerySet) -> QuerySet:
    """The acts of `qs` that are pushbacks.  On SQLite the type is compared by key as an
    expression (`violation_type_id + 0`), which no index serves: SQLite keeps no
    statistics, and given `code = 'pushback'` it walks every pushback act in the table
    through the type's index for each month of `figures rebuild` (quadratic in the
    number of events); so it starts from the period's events instead.  Same rows."""
    if connection.vendor != "sqlite":
        return qs.filter(violation_type__code=PUSHBACK)
    pushback = ViolationType.objects.filter(code=PUSHBACK).values("pk")[:1]
    return qs.alias(type_key=F("violation_type_id") + Value(0)).filter(type_key=Subquery(pushback))


def unnamed_acts(qs: QuerySet) -> QuerySet:
    """The acts of `qs` with no named victim (a group).  On SQLite through an
    expression no index serves, for the reason of `pushback_acts`: given `victim_id IS
    NULL` SQLite walks every unnamed act in the table through the victim index."""
    if connection.vendor != "sqlite":
        return qs.filter(victim__isnull=True)
    return qs.alias(victim_key=Coalesce("victim_id", "victim_id")).filter(victim_key__isnull=True)


def deaths(period: Period, codes: Collection[str] | None = None) -> QuerySet:
    if codes is not None:
        return DeathRecord.objects.filter(code__in=list(codes))
    return _in_period(DeathRecord.objects.all(), "found_earliest", period)


def missing_reports(period: Period, codes: Collection[str] | None = None) -> QuerySet:
    if codes is not None:
        return MissingPersonReport.objects.filter(code__in=list(codes))
    return _in_period(MissingPersonReport.objects.all(), "received_on", period)


def detentions(period: Period, codes: Collection[str] | None = None) -> QuerySet:
    if codes is not None:
        return Detention.objects.filter(code__in=list(codes))
    return _in_period(Detention.objects.all(), "detained_from", period)


def interventions(period: Period, codes: Collection[str] | None = None) -> QuerySet:
    if codes is not None:
        return Intervention.objects.filter(code__in=list(codes))
    return _in_period(Intervention.objects.all(), "sent_on", period)


# -- helpers ----------------------------------------------------------------------------

_VICTIMS = Sum(
    Case(
        When(victim__isnull=False, then=Value(1)),
        default=Coalesce("victim_group_count", Value(0)),
        output_field=IntegerField(),
    )
)
_SECTION = Coalesce(
    "event__border_section__code",
    "event__place__border_section__code",
    output_field=CharField(),
)


def _month(value) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value:%Y-%m}"


def _label(value) -> str:
    return UNKNOWN if value in (None, "", "??") else str(value)


def _table(figure, universe, dimensions, rows, *, measure="count", fixed=(), margins=True):
    cells: dict[tuple[str, ...], int] = defaultdict(int)
    for *key, count in rows:
        if count:
            cells[tuple(key)] += int(count)
    return Table(
        figure=figure,
        universe=universe,
        dimensions=tuple(dimensions),
        cells=dict(cells),
        measure=measure,
        fixed=tuple(fixed),
        margins=margins,
    )


# -- the figures ------------------------------------------------------------------------


def deaths_per_month(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Bodies found per month, official statements apart from testimony-only."""
    rows = (
        deaths(period, codes)
        .annotate(m=TruncMonth("found_earliest"))
        .values("m", "confirmation")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("m", "confirmation", "n")
    )
    return _table(
        "deaths_per_month",
        "deaths",
        ("month", "confirmation"),
        ((_month(m), c, n) for m, c, n in rows),
        measure="deaths",
    )


def deaths_by_nationality(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Bodies found by nationality (unknown when not known), official apart."""
    rows = (
        deaths(period, codes)
        .values("nationality__code", "confirmation")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("nationality__code", "confirmation", "n")
    )
    return _table(
        "deaths_by_nationality",
        "deaths",
        ("nationality", "confirmation"),
        ((_label(nat), c, n) for nat, c, n in rows),
        measure="deaths",
    )


def missing_per_month(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Missing-person reports received per month."""
    rows = (
        missing_reports(period, codes)
        .annotate(m=TruncMonth("received_on"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("m", "n")
    )
    return _table(
        "missing_per_month",
        "missing_reports",
        ("month",),
        ((_month(m), n) for m, n in rows),
        measure="reports",
    )


def missing_by_nationality(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Missing-person reports by the missing person's nationality."""
    rows = (
        missing_reports(period, codes)
        .values("person__nationality__code")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("person__nationality__code", "n")
    )
    return _table(
        "missing_by_nationality",
        "missing_reports",
        ("nationality",),
        ((_label(nat), n) for nat, n in rows),
        measure="reports",
    )


def missing_by_outcome(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Missing-person reports by what became of the person (their case's outcome today)."""
    outcome = Case(
        When(~Q(case__status=CLOSED), then=Value(ACTIVE)),
        default=F("case__outcome"),
        output_field=CharField(),
    )
    rows = (
        missing_reports(period, codes)
        .annotate(o=outcome)
        .values("o")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("o", "n")
    )
    return _table(
        "missing_by_outcome",
        "missing_reports",
        ("outcome",),
        ((_label(o), n) for o, n in rows),
        measure="reports",
    )


# The event figures (violations, pushbacks, pushback incidents, incidents) are read
# from the pre-computed counts (`figures.monthly`) when no codes are given: the whole
# months of the period from the monthly cells, a period's partial first and last
# months from the daily cells.  `count_directly` is the straightforward GROUP BY over the
# records, which the monthly counts are built from and compared with in the tests.


@dataclass(frozen=True)
class _EventFigure:
    universe: str
    dimensions: tuple[str, ...]
    measure: str
    fixed: tuple[tuple[str, str], ...] = ()


_EVENT_FIGURES = {
    "violations": _EventFigure("violations", ("violation_type", "perpetrator", "side"), "victims"),
    "pushbacks_per_section": _EventFigure(
        "violations", ("border_section",), "victims", (("violation_type", PUSHBACK),)
    ),
    "pushback_incidents_per_section": _EventFigure(
        "pushback_incidents", ("border_section",), "incidents"
    ),
    # for cumulative_totals: incidents; group sizes of unnamed pushback victims; named
    # people counted on the day of their first pushback (`pushback_victims`)
    "incidents": _EventFigure("incidents", (), "incidents"),
    "pushback_groups": _EventFigure("violations", (), "victims"),
    "people_pushed_back": _EventFigure("people_pushed_back", (), "people"),
}
# the figures counted per event (people pushed back are counted per person)
MONTHLY_FIGURES = tuple(n for n in _EVENT_FIGURES if n != "people_pushed_back")


def _restrict_events(qs: QuerySet, period, codes, event_ids) -> QuerySet:
    if event_ids is not None:
        return qs.filter(pk__in=list(event_ids))
    if codes is not None:
        return qs.filter(code__in=list(codes))
    return _in_period(qs, "date_earliest", period)


def direct_queryset(
    name: str,
    period: Period | None,
    scope: Scope,
    codes: Collection[str] | None = None,
    *,
    event_ids: Collection | None = None,
    per_event: bool = False,
) -> QuerySet:
    """The GROUP BY of an event figure over the records: rows of (dimension values...,
    n), or with `per_event` (event id, day, dimension values..., n)."""
    if name in ("pushback_incidents_per_section", "incidents"):
        qs = Event.objects.all()
        if scope == Scope.PUBLISH:
            qs = qs.filter(_publishable("pk"))
        qs = _restrict_events(qs, period, codes, event_ids)
        group: list = []
        if name == "pushback_incidents_per_section":
            pushed_back = Act.objects.filter(event=OuterRef("pk"), violation_type__code=PUSHBACK)
            section = Coalesce("border_section__code", "place__border_section__code")
            qs = qs.filter(Exists(pushed_back)).annotate(section=section)
            group = ["section"]
        if per_event:
            qs = qs.annotate(event_key=F("pk"), day=F("date_earliest"))
            group = ["event_key", "day", *group]
        if not group:  # one total: group by a constant (no GROUP BY at all)
            qs = qs.annotate(everything=Value(1))
            return qs.values("everything").annotate(n=Count("pk")).order_by().values_list("n")
        return qs.values(*group).annotate(n=Count("pk")).order_by().values_list(*group, "n")
    qs = _acts(period, scope, codes, event_ids=event_ids)
    if name == "violations":
        group = ["violation_type__code", "perpetrator__code", "event__side"]
    elif name == "pushbacks_per_section":
        qs = pushback_acts(qs).annotate(section=_SECTION)
        group = ["section"]
    else:  # pushback_groups
        qs = pushback_acts(unnamed_acts(qs))
        group = []
    if per_event:
        qs = qs.annotate(event_key=F("event_id"), day=F("event__date_earliest"))
        group = ["event_key", "day", *group]
    if not group:
        qs = qs.annotate(everything=Value(1))
        return qs.values("everything").annotate(n=_VICTIMS).order_by().values_list("n")
    return qs.values(*group).annotate(n=_VICTIMS).order_by().values_list(*group, "n")


def pushback_victims(scope: Scope, victim_ids: Collection | None = None) -> QuerySet:
    """(victim id, day of their first pushback) of named people pushed back: a person
    counts once among the people pushed back, on that day.  For given people their
    acts are found through the victim index (`pushback_acts`: on SQLite the type's
    index would walk every pushback act, seconds per save at a million events)."""
    qs = Act.objects.filter(victim__isnull=False)
    if victim_ids is not None:
        qs = pushback_acts(qs.filter(victim_id__in=list(victim_ids)))
    else:
        qs = qs.filter(violation_type__code=PUSHBACK)
    if scope == Scope.PUBLISH:
        qs = qs.filter(_publishable("event_id"))
    return (
        qs.values("victim_id")
        .annotate(first=Min("event__date_earliest"))
        .order_by()
        .values_list("victim_id", "first")
    )


def _key(name: str, values) -> tuple[str, ...]:
    """A row's dimension values as the figure labels them."""
    if name == "violations":
        vt, p, side = values
        return (vt, p, _label(side))
    return tuple(_label(v) for v in values)


def count_directly(
    name: str, period: Period, scope: Scope, codes: Collection[str] | None = None
) -> Table:
    """An event figure counted straight from the records (no monthly counts): what
    the monthly counts are checked against, and the path for a snapshot's codes."""
    rows = ((*_key(name, r[:-1]), r[-1]) for r in direct_queryset(name, period, scope, codes))
    return _event_table(name, rows)


def _event_table(name: str, rows) -> Table:
    spec = _EVENT_FIGURES[name]
    return _table(
        name,
        spec.universe,
        spec.dimensions,
        rows,
        measure=spec.measure,
        fixed=spec.fixed,
        margins=bool(spec.dimensions),
    )


def _counted(name: str, period: Period, scope: Scope, codes: Collection[str] | None) -> Table:
    if codes is not None:
        return count_directly(name, period, scope, codes)
    from . import monthly

    period.check()
    months, edges = monthly.split_period(period)
    width = len(_EVENT_FIGURES[name].dimensions)
    rows = [] if months is None else list(monthly.read(name, scope, *months, width))
    if edges:
        rows.extend(monthly.read_days(name, scope, edges, width))
    return _event_table(name, rows)


def violations(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Victims of violations by type × perpetrator × side (a group counts its size)."""
    return _counted("violations", period, scope, codes)


def pushbacks_per_section(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Pushbacks (victim-incidents: each time each person) per border section."""
    return _counted("pushbacks_per_section", period, scope, codes)


def pushback_incidents_per_section(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Events with at least one pushback, per border section."""
    return _counted("pushback_incidents_per_section", period, scope, codes)


def detentions_by_outcome(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Detentions starting in the period by outcome (deportations are some outcomes)."""
    rows = (
        detentions(period, codes)
        .values("outcome")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("outcome", "n")
    )
    return _table(
        "detentions_by_outcome",
        "detentions",
        ("outcome",),
        ((o or PENDING, n) for o, n in rows),
        measure="detentions",
    )


def requests_per_recipient(
    period: Period, scope: Scope = Scope.INTERNAL, codes: Collection[str] | None = None
) -> Table:
    """Requests sent in the period per recipient, answered apart from unanswered
    (the per-recipient total is the number sent)."""
    answered = Case(
        When(answered_on__isnull=False, then=Value(ANSWERED)),
        default=Value(UNANSWERED),
        output_field=CharField(),
    )
    rows = (
        interventions(period, codes)
        .annotate(a=answered)
        .values("recipient__code", "a")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("recipient__code", "a", "n")
    )
    return _table(
        "requests_per_recipient", "requests", ("recipient", "answer"), rows, measure="requests"
    )


@dataclass(frozen=True)
class AnswerStats:
    recipient: str
    sent: int | None
    answered: int | None
    answer_rate: float | None
    median_days_to_answer: float | None


def answer_stats(
    period: Period, published=None, codes: Collection[str] | None = None
) -> list[AnswerStats]:
    """Per recipient: sent, answered, answer rate (0..1) and median days to answer.

    With `published` (the requests table after disclosure control) a count, rate
    or median is given only where the counts it comes from are published.  The
    median reads the answered requests' days (a few thousand rows at most)."""
    table = requests_per_recipient(period, codes=codes)
    days: dict[str, list[int]] = defaultdict(list)
    answered_qs = interventions(period, codes).filter(answered_on__isnull=False)
    for recipient, sent_on, answered_on in answered_qs.values_list(
        "recipient__code", "sent_on", "answered_on"
    ).order_by():
        days[recipient].append((answered_on - sent_on).days)
    out = []
    for r in sorted({key[0] for key in table.cells}):
        answered: int | None = table.cells.get((r, ANSWERED), 0)
        sent: int | None = answered + table.cells.get((r, UNANSWERED), 0)
        if published is not None:
            sent, answered = published.value(r, TOTAL), published.value(r, ANSWERED)
        rate = round(answered / sent, 4) if sent and answered is not None else None
        median = float(statistics.median(days[r])) if answered and days.get(r) else None
        out.append(AnswerStats(r, sent, answered, rate, median))
    out.sort(key=lambda s: (-(s.sent or 0), s.recipient))
    return out


def cumulative_totals(as_of: dt.date | None, scope: Scope = Scope.INTERNAL, codes=None) -> Table:
    """Totals since monitoring began, as of the end date (one query per total)."""
    period = Period(None, as_of)
    d = deaths(period).values("confirmation").annotate(n=Count("pk")).order_by()
    by_confirmation = {c: n for c, n in d.values_list("confirmation", "n")}
    reports = missing_reports(period)
    held = detentions(period)
    sent = interventions(period)

    def total(name: str) -> int:
        return sum(_counted(name, period, scope, None).cells.values())

    cells = {
        ("deaths_official",): by_confirmation.get(OFFICIAL, 0),
        ("deaths_testimony_only",): by_confirmation.get(TESTIMONY_ONLY, 0),
        ("missing_reports",): reports.count(),
        ("missing_people",): reports.values("person").distinct().count(),
        ("incidents",): total("incidents"),
        ("violation_victims",): total("violations"),
        ("pushbacks",): total("pushbacks_per_section"),
        ("people_pushed_back",): total("people_pushed_back") + total("pushback_groups"),
        ("pushback_incidents",): total("pushback_incidents_per_section"),
        ("detentions",): held.count(),
        ("deportations",): held.filter(outcome__in=DEPORTATION_OUTCOMES).count(),
        ("requests_sent",): sent.count(),
        ("requests_answered",): sent.filter(answered_on__isnull=False).count(),
    }
    return Table(
        figure="cumulative_totals",
        universe="cumulative_totals",
        dimensions=("total",),
        cells=cells,
        measure="count",
        margins=False,
    )


# -- the registry -----------------------------------------------------------------------

FigureFunction = Callable[..., Table]


@dataclass(frozen=True)
class Figure:
    name: str
    compute: FigureFunction
    # the records it counts, for snapshots: (period, scope) -> queryset with `code`
    records: Callable[[Period, Scope], QuerySet]
    kind: str  # what the codes are codes of


FIGURES: dict[str, Figure] = {
    f.name: f
    for f in [
        Figure("deaths_per_month", deaths_per_month, lambda p, s: deaths(p), "death"),
        Figure("deaths_by_nationality", deaths_by_nationality, lambda p, s: deaths(p), "death"),
        Figure("missing_per_month", missing_per_month, lambda p, s: missing_reports(p), "report"),
        Figure(
            "missing_by_nationality",
            missing_by_nationality,
            lambda p, s: missing_reports(p),
            "report",
        ),
        Figure("missing_by_outcome", missing_by_outcome, lambda p, s: missing_reports(p), "report"),
        Figure("violations", violations, lambda p, s: events(p, s), "event"),
        Figure("pushbacks_per_section", pushbacks_per_section, lambda p, s: events(p, s), "event"),
        Figure(
            "pushback_incidents_per_section",
            pushback_incidents_per_section,
            lambda p, s: events(p, s),
            "event",
        ),
        Figure(
            "detentions_by_outcome", detentions_by_outcome, lambda p, s: detentions(p), "detention"
        ),
        Figure(
            "requests_per_recipient",
            requests_per_recipient,
            lambda p, s: interventions(p),
            "request",
        ),
    ]
}


def figure_set(period: Period, scope: Scope = Scope.INTERNAL) -> dict[str, Table]:
    """Every figure for the period, by name (unsuppressed: for in-app use)."""
    return {name: f.compute(period, scope) for name, f in FIGURES.items()}


def counted_codes(name: str, period: Period, scope: Scope) -> list[str]:
    """The codes of the records figure `name` counts for the period, sorted."""
    qs = FIGURES[name].records(period, scope)
    return sorted(qs.values_list("code", flat=True).distinct())
