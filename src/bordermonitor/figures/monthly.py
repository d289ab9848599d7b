"""Pre-computed counts of the event figures, so the dashboard does not scan every act.

A GROUP BY over a million events and three million acts takes seconds whatever the
indexes (it reads every act of the period, then joins its type, perpetrator, event,
section and, when published, the event's sources for consent).  The figures read
instead `MonthlyCount`: one row per (figure, scope, month, dimension values) with its
count, a few thousand rows in all; the partial first and last months of a period come
from `DailyCount`, the same cells per day.  The cells are the same GROUP BY
(`selectors.direct_queryset`) split by day, so summing the days and months of a
period gives the same table; both scopes are kept (`internal`: every event;
`publish`: events through `releasable_events(PUBLISH)`), so consent is decided
exactly as before.

Kept current in the transaction of the write: every save or delete of an event, act,
source, source–event link or place recounts the events it touches
(`refresh_events`).  `EventCount` keeps what each event adds to the cells, so a
recount adds the difference — no month is rescanned and nothing depends on the order
of the signals of a cascade.  Writes that bypass signals (`QuerySet.update`,
`bulk_create`, raw SQL, renaming a vocabulary code or a border section) need
`bordermonitor figures rebuild`, which recounts everything from the records.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from django.db import connection, models, transaction
from django.db.models import F, Q, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from bordermonitor.records.exports import Period

from .rules import Scope, first_of_month, last_of_month

CHUNK = 500  # event ids per IN (...) list


class MonthlyCount(models.Model):
    """One cell of an event figure for one month and scope (dimensions unused: "")."""

    figure = models.CharField(max_length=40)
    scope = models.CharField(max_length=16)
    month = models.DateField(help_text="the first day of the month")
    d1 = models.CharField(max_length=64, default="", blank=True)
    d2 = models.CharField(max_length=64, default="", blank=True)
    d3 = models.CharField(max_length=64, default="", blank=True)
    n = models.BigIntegerField()

    class Meta:
        app_label = "figures"
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "scope", "month", "d1", "d2", "d3"],
                name="monthly_count_cell_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.scope} {self.month:%Y-%m}: {self.n}"


class DailyCount(models.Model):
    """The same cells per day, for the partial first and last months of a period."""

    figure = models.CharField(max_length=40)
    scope = models.CharField(max_length=16)
    day = models.DateField()
    d1 = models.CharField(max_length=64, default="", blank=True)
    d2 = models.CharField(max_length=64, default="", blank=True)
    d3 = models.CharField(max_length=64, default="", blank=True)
    n = models.BigIntegerField()

    class Meta:
        app_label = "figures"
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "scope", "day", "d1", "d2", "d3"],
                name="daily_count_cell_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.figure} {self.scope} {self.day}: {self.n}"


class EventCount(models.Model):
    """What one event adds to the counts: rows [figure, scope, day, d1, d2, d3, n]
    (no foreign key: the row outlives the event until the event's delete is counted)."""

    event_id = models.UUIDField(primary_key=True)
    counts = models.JSONField(default=list)
    # ids of the people named as pushed back in the event (their first pushback may move)
    victims = models.JSONField(default=list)

    class Meta:
        app_label = "figures"

    def __str__(self) -> str:
        return f"counts of event {self.event_id}"


class FirstPushback(models.Model):
    """The day a named person was first pushed back, per scope: the people pushed back
    since monitoring began are a sum of these days (`people_pushed_back` cells)."""

    victim_id = models.UUIDField()
    scope = models.CharField(max_length=16)
    day = models.DateField()

    class Meta:
        app_label = "figures"
        constraints = [
            models.UniqueConstraint(fields=["victim_id", "scope"], name="first_pushback_unique")
        ]

    def __str__(self) -> str:
        return f"first pushback {self.scope} {self.day}"


# -- reading ------------------------------------------------------------------------------


def split_period(period: Period) -> tuple[tuple[dt.date | None, dt.date | None] | None, list]:
    """The whole months of a period (first and last month, None = open) and the
    partial months at its ends (closed periods, read from the daily cells)."""
    start, end = period.date_from, period.date_to
    edges: list[Period] = []
    if start is not None and end is not None and first_of_month(start) == first_of_month(end):
        if start == first_of_month(start) and end == last_of_month(end):
            return (start, start), []
        return None, [Period(start, end)]
    first = last = None
    if start is not None:
        first = first_of_month(start)
        if start != first:
            edges.append(Period(start, last_of_month(start)))
            first = last_of_month(start) + dt.timedelta(days=1)
    if end is not None:
        last = first_of_month(end)
        if end != last_of_month(end):
            edges.append(Period(last, end))
            last = first_of_month(last - dt.timedelta(days=1))
    if first is not None and last is not None and last < first:
        return None, edges
    return (first, last), edges


def _summed(qs, width: int):
    dims = ["d1", "d2", "d3"][:width]
    if not dims:
        total = qs.aggregate(n=Sum("n"))["n"]
        return [(total,)] if total else []
    return qs.values(*dims).annotate(total=Sum("n")).order_by().values_list(*dims, "total")


def read(name: str, scope: Scope, first: dt.date | None, last: dt.date | None, width: int):
    """Rows (dimension values..., n) of figure `name` summed over the months (one query)."""
    qs = MonthlyCount.objects.filter(figure=name, scope=str(scope))
    if first is not None:
        qs = qs.filter(month__gte=first)
    if last is not None:
        qs = qs.filter(month__lte=last)
    return _summed(qs, width)


def read_days(name: str, scope: Scope, periods: list[Period], width: int):
    """Rows (dimension values..., n) summed over the days of closed periods (one query)."""
    within = Q()
    for p in periods:
        within |= Q(day__gte=p.date_from, day__lte=p.date_to)
    return _summed(DailyCount.objects.filter(within, figure=name, scope=str(scope)), width)


# -- counting -----------------------------------------------------------------------------


def _day(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat()


def _contributions(*, event_ids=None, period: Period | None = None) -> dict:
    """Per event id, the rows it adds: [figure, scope, day, d1, d2, d3, n]."""
    from . import selectors

    out: dict = defaultdict(list)
    for name in selectors.MONTHLY_FIGURES:
        for scope in Scope:
            qs = selectors.direct_queryset(name, period, scope, event_ids=event_ids, per_event=True)
            for event_id, day, *values, n in qs:
                if not n:
                    continue
                dims = [*selectors._key(name, values), "", "", ""][:3]
                out[event_id].append([name, str(scope), _day(day), *dims, int(n)])
    return out


def _victims(*, event_ids=None, period: Period | None = None) -> dict:
    """Per event id, the ids (text) of the people named as pushed back in it."""
    from bordermonitor.records.models import Act

    from .selectors import pushback_acts

    qs = pushback_acts(Act.objects.filter(victim__isnull=False))
    if event_ids is not None:
        qs = qs.filter(event_id__in=list(event_ids))
    else:
        qs = qs.filter(
            event__date_earliest__gte=period.date_from, event__date_earliest__lte=period.date_to
        )
    out: dict = defaultdict(set)
    for event_id, victim_id in qs.values_list("event_id", "victim_id"):
        out[event_id].add(str(victim_id))
    return {e: sorted(v) for e, v in out.items()}


def _refresh_first_pushbacks(victims: set[str]) -> None:
    """Move these people's first-pushback day where their pushbacks changed."""
    from . import selectors

    ids = sorted(victims)
    for at in range(0, len(ids), CHUNK):
        chunk = ids[at : at + CHUNK]
        delta: Counter = Counter()
        for scope in Scope:
            now = {str(v): d for v, d in selectors.pushback_victims(scope, chunk)}
            ledger = FirstPushback.objects.select_for_update().filter(
                victim_id__in=chunk, scope=str(scope)
            )
            before = {str(v): d for v, d in ledger.values_list("victim_id", "day")}
            for victim in set(now) | set(before):
                if now.get(victim) == before.get(victim):
                    continue
                if victim in before:
                    delta[("people_pushed_back", str(scope), _day(before[victim]), "", "", "")] -= 1
                if victim in now:
                    delta[("people_pushed_back", str(scope), _day(now[victim]), "", "", "")] += 1
            ledger.delete()
            FirstPushback.objects.bulk_create(
                FirstPushback(victim_id=v, scope=str(scope), day=d) for v, d in now.items()
            )
        _apply(delta)


def _cells(rows: Iterable[list]) -> Counter:
    cells: Counter = Counter()
    for *key, n in rows:
        cells[tuple(key)] += n
    return cells


def _by_month(cells: Counter) -> Counter:
    months: Counter = Counter()
    for (figure, scope, day, d1, d2, d3), n in cells.items():
        months[(figure, scope, day[:8] + "01", d1, d2, d3)] += n
    return months


def _apply(delta: Counter) -> None:
    """Add the changes to the daily cells and to their months."""
    for model, field, changes in [
        (DailyCount, "day", delta),
        (MonthlyCount, "month", _by_month(delta)),
    ]:
        for (figure, scope, when, d1, d2, d3), change in changes.items():
            if not change:
                continue
            key = {"figure": figure, "scope": scope, field: when, "d1": d1, "d2": d2, "d3": d3}
            cell = model.objects.filter(**key)
            if not cell.update(n=F("n") + change):
                model.objects.create(**key, n=change)
            elif change < 0:
                cell.filter(n=0).delete()


def refresh_events(event_ids: Iterable) -> None:
    """Recount these events into the monthly counts (in the caller's transaction)."""
    ids = sorted({i for i in event_ids if i is not None}, key=str)
    with transaction.atomic():
        for at in range(0, len(ids), CHUNK):
            chunk = ids[at : at + CHUNK]
            now = _contributions(event_ids=chunk)
            victims = _victims(event_ids=chunk)
            before = list(EventCount.objects.select_for_update().filter(event_id__in=chunk))
            delta = _cells(row for rows in now.values() for row in rows)
            delta.subtract(_cells(row for e in before for row in e.counts))
            _apply(delta)
            EventCount.objects.filter(event_id__in=chunk).delete()
            EventCount.objects.bulk_create(
                EventCount(event_id=e, counts=rows, victims=victims.get(e, []))
                for e, rows in now.items()
            )
            touched = {v for vs in victims.values() for v in vs}
            touched |= {v for e in before for v in e.victims}
            if touched:
                _refresh_first_pushbacks(touched)


def rebuild(progress: Callable[[int, int, str], None] | None = None) -> int:
    """Recount every month from the records, replacing the monthly counts; returns
    the number of monthly rows.  `progress(done, total, month)` after each month."""
    from bordermonitor.records.models import Event

    with transaction.atomic():
        MonthlyCount.objects.all().delete()
        DailyCount.objects.all().delete()
        EventCount.objects.all().delete()
        FirstPushback.objects.all().delete()
        span = Event.objects.aggregate(
            first=models.Min("date_earliest"), last=models.Max("date_earliest")
        )
        months = []
        if span["first"] is not None:
            month = first_of_month(span["first"])
            while month <= span["last"]:
                months.append(month)
                month = last_of_month(month) + dt.timedelta(days=1)
        written = 0
        for done, month in enumerate(months, 1):
            within = Period(month, last_of_month(month))
            per_event = _contributions(period=within)
            victims = _victims(period=within)
            EventCount.objects.bulk_create(
                (
                    EventCount(event_id=e, counts=rows, victims=victims.get(e, []))
                    for e, rows in per_event.items()
                ),
                batch_size=2000,
            )
            days = _cells(row for rows in per_event.values() for row in rows)
            if done == len(months):  # people pushed back: on the day they first were
                days.update(_all_first_pushbacks())
            DailyCount.objects.bulk_create(
                (
                    DailyCount(figure=f, scope=s, day=d, d1=a, d2=b, d3=c, n=n)
                    for (f, s, d, a, b, c), n in days.items()
                    if n
                ),
                batch_size=2000,
            )
            month_cells = _by_month(days)
            MonthlyCount.objects.bulk_create(
                (
                    MonthlyCount(figure=f, scope=s, month=m, d1=a, d2=b, d3=c, n=n)
                    for (f, s, m, a, b, c), n in month_cells.items()
                    if n
                ),
                batch_size=2000,
            )
            written += len(month_cells)
            if progress is not None:
                progress(done, len(months), f"{month:%Y-%m}")
    if connection.vendor == "postgresql":
        # fresh tables: give the planner their statistics now, not at autovacuum's leisure
        with connection.cursor() as cursor:
            for model in (MonthlyCount, DailyCount, EventCount, FirstPushback):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written


def _all_first_pushbacks() -> Counter:
    """Every named person's first-pushback day per scope, into the ledger; the cells."""
    from . import selectors

    cells: Counter = Counter()
    for scope in Scope:
        firsts = list(selectors.pushback_victims(scope))
        FirstPushback.objects.bulk_create(
            (FirstPushback(victim_id=v, scope=str(scope), day=d) for v, d in firsts),
            batch_size=2000,
        )
        for _victim, day in firsts:
            cells[("people_pushed_back", str(scope), _day(day), "", "", "")] += 1
    return cells


# -- keeping current ----------------------------------------------------------------------


def _act_before(sender, instance, **kwargs) -> None:
    if not instance._state.adding and instance.pk is not None:
        old = sender.objects.filter(pk=instance.pk).values_list("event_id", flat=True).first()
        instance._figures_old_event_id = old


def _act_changed(sender, instance, **kwargs) -> None:
    refresh_events([instance.event_id, getattr(instance, "_figures_old_event_id", None)])


def _event_changed(sender, instance, **kwargs) -> None:
    refresh_events([instance.pk])


def _link_changed(sender, instance, **kwargs) -> None:
    refresh_events([instance.event_id])


def _source_changed(sender, instance, **kwargs) -> None:
    from bordermonitor.records.models import SourceEvent

    if kwargs.get("created"):
        return  # no events linked yet
    refresh_events(
        SourceEvent.objects.filter(source_id=instance.pk).values_list("event_id", flat=True)
    )


def _place_changed(sender, instance, **kwargs) -> None:
    from bordermonitor.records.models import Event

    if kwargs.get("created"):
        return
    refresh_events(Event.objects.filter(place_id=instance.pk).values_list("pk", flat=True))


def _links_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Source.events.add/remove/set/clear (the link rows are written in bulk)."""
    from bordermonitor.records.models import SourceEvent

    if reverse:  # from the event's side: one event
        if action.startswith("post_"):
            refresh_events([instance.pk])
        return
    if action == "pre_clear":
        instance._figures_cleared = list(
            SourceEvent.objects.filter(source_id=instance.pk).values_list("event_id", flat=True)
        )
    elif action == "post_clear":
        refresh_events(getattr(instance, "_figures_cleared", []))
    elif action in ("post_add", "post_remove"):
        refresh_events(pk_set or [])


def connect() -> None:
    """Register the receivers (from `FiguresConfig.ready`)."""
    from bordermonitor.core.models import Place
    from bordermonitor.records.models import Act, Event, Source, SourceEvent

    uid = "figures-monthly-"
    pre_save.connect(_act_before, sender=Act, dispatch_uid=uid + "act-before")
    post_save.connect(_act_changed, sender=Act, dispatch_uid=uid + "act-saved")
    post_delete.connect(_act_changed, sender=Act, dispatch_uid=uid + "act-deleted")
    post_save.connect(_event_changed, sender=Event, dispatch_uid=uid + "event-saved")
    post_delete.connect(_event_changed, sender=Event, dispatch_uid=uid + "event-deleted")
    post_save.connect(_link_changed, sender=SourceEvent, dispatch_uid=uid + "link-saved")
    post_delete.connect(_link_changed, sender=SourceEvent, dispatch_uid=uid + "link-deleted")
    m2m_changed.connect(_links_changed, sender=SourceEvent, dispatch_uid=uid + "links")
    post_save.connect(_source_changed, sender=Source, dispatch_uid=uid + "source-saved")
    post_save.connect(_place_changed, sender=Place, dispatch_uid=uid + "place-saved")
