"""Need-to-know: a record marked restricted is seen only by its assigned team and by
coordinators.  One rule per record type, applied to querysets in the selectors, so
pages, API, search, the map, timelines, matching, evidence and exports obey the
same rule instead of each remembering to.

Restricted types (each with `restricted` and an assigned `team`):
- testimonies and other sources (`records.Source`);
- missing-person cases (`tracing.TracingCase`), and with a case its reports and the
  requests to authorities about it;
- legal casework: there is no legal-case model, detained people are what lawyers
  follow, so `tracing.Detention` is the restricted legal record.

Derived rules, so a restricted record does not leak through what it names:
- a person known *only* from restricted records the user may not see (a restricted
  testimony naming them, their restricted case or detention) is hidden: not listed,
  not found by name, 404 by code.  A person who also appears in anything the user
  may see (an open testimony, an act, an open case, a death record) stays visible;
  the restricted records about them stay hidden;
- an event known only from restricted testimonies the user may not see is hidden
  the same way; evidence attached to a hidden source is hidden.

Capabilities still decide what a role may see at all (`accounts.roles`); this
module only narrows it.  Counts that name nobody (dashboard, tracing figures,
published events) may include restricted records.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from bordermonitor.accounts import audit
from bordermonitor.accounts.roles import COORDINATOR

# Roles that see every restricted record: coordinators assign cases and teams.
SEES_ALL_ROLES = frozenset({COORDINATOR})


def sees_everything(user) -> bool:
    """Whether the user sees every restricted record (coordinators)."""
    return bool(user and user.is_authenticated and user.is_active and user.role in SEES_ALL_ROLES)


def team_ids(user) -> QuerySet:
    """The ids of the teams the user belongs to, as a subquery (no query of its own, so
    need-to-know adds no query to a page); none for an anonymous user."""
    membership = _model("accounts.Team").members.through.objects
    if not (user and user.is_authenticated):
        return membership.none().values("team_id")
    return membership.filter(user_id=user.pk).values("team_id")


def open_to(user, prefix: str = "") -> Q:
    """Q for records of a restricted type (at `prefix`) the user may see; coordinators
    must be handled by the caller (they see all)."""
    return Q(**{f"{prefix}restricted": False}) | Q(**{f"{prefix}team_id__in": team_ids(user)})


def closed_to(user, prefix: str = "") -> Q:
    """The complement of `open_to`: restricted records of teams the user is not in.
    Written as `restricted = true AND ...` so the database reads the few restricted rows
    through the index on the flag instead of testing every row."""
    # `restricted IN (true)`: Django writes `restricted = true` as a bare column test,
    # which SQLite cannot answer from the index
    restricted = Q(**{f"{prefix}restricted__in": [True]})
    return restricted & ~Q(**{f"{prefix}team_id__in": team_ids(user)})


def _hidden(label: str, user) -> QuerySet:
    """Ids of the restricted records of one type that the user may not see."""
    return _model(label).objects.filter(closed_to(user)).values("pk")


def _model(label: str) -> type[Model]:
    return apps.get_model(label)


def _all(label: str, qs: QuerySet | None) -> QuerySet:
    return qs if qs is not None else _model(label)._default_manager.all()


def visible_sources(user, qs: QuerySet | None = None) -> QuerySet:
    """Sources (testimonies) the user may see."""
    qs = _all("records.Source", qs)
    return qs if sees_everything(user) else qs.filter(open_to(user))


def visible_cases(user, qs: QuerySet | None = None) -> QuerySet:
    """Missing-person cases the user may see."""
    qs = _all("tracing.TracingCase", qs)
    return qs if sees_everything(user) else qs.filter(open_to(user))


def visible_detentions(user, qs: QuerySet | None = None) -> QuerySet:
    """Detentions (the legal casework) the user may see."""
    qs = _all("tracing.Detention", qs)
    return qs if sees_everything(user) else qs.filter(open_to(user))


def visible_reports(user, qs: QuerySet | None = None) -> QuerySet:
    """Missing-person reports: visible with their case."""
    qs = _all("tracing.MissingPersonReport", qs)
    return qs if sees_everything(user) else qs.filter(open_to(user, "case__"))


def visible_interventions(user, qs: QuerySet | None = None) -> QuerySet:
    """Requests to authorities: visible with their case (those about an event only are
    not restricted)."""
    qs = _all("tracing.Intervention", qs)
    if sees_everything(user):
        return qs
    return qs.filter(Q(case__isnull=True) | open_to(user, "case__"))


def visible_attachments(user, qs: QuerySet | None = None) -> QuerySet:
    """Evidence: hidden with the source it is attached to, and with the event when that
    event is hidden."""
    qs = _all("records.Attachment", qs)
    if sees_everything(user):
        return qs
    qs = qs.filter(Q(source__isnull=True) | open_to(user, "source__"))
    return qs.exclude(event_id__in=_hidden_event_ids(user))


def _hidden_event_ids(user) -> QuerySet:
    """Events linked to a hidden source and to no source the user may see.

    Written so the database starts from the few restricted sources (indexed flag) and
    checks each of their events for an open source by key, never reading every link:
    the event list stays as fast with need-to-know as without.
    """
    event = _model("records.Event")
    source_event = _model("records.SourceEvent")
    restricted_links = source_event.objects.filter(source_id__in=_hidden("records.Source", user))
    open_link = source_event.objects.filter(open_to(user, "source__"), event_id=OuterRef("pk"))
    return (
        event.objects.filter(pk__in=restricted_links.values("event_id"))
        .exclude(Exists(open_link))
        .values("pk")
    )


def visible_events(user, qs: QuerySet | None = None) -> QuerySet:
    """Events, minus those known only from restricted testimonies the user may not see."""
    qs = _all("records.Event", qs)
    return qs if sees_everything(user) else qs.exclude(pk__in=_hidden_event_ids(user))


def _hidden_person_ids(user) -> QuerySet:
    """People named in restricted records the user may not see, and in nothing the user
    may see: starting from the restricted records (few), each checked by key."""
    person = _model("records.Person")
    source_persons = _model("records.Source").persons.through.objects
    case = _model("tracing.TracingCase").objects
    report = _model("tracing.MissingPersonReport").objects
    detention = _model("tracing.Detention").objects
    act = _model("records.Act").objects
    death = _model("tracing.DeathRecord").objects
    opened, closed = open_to(user), closed_to(user)
    me = OuterRef("pk")
    hidden_cases = _hidden("tracing.TracingCase", user)
    named_in_hidden = (
        Q(
            pk__in=source_persons.filter(source_id__in=_hidden("records.Source", user)).values(
                "person_id"
            )
        )
        | Q(pk__in=case.filter(closed).values("person_id"))
        | Q(pk__in=report.filter(case_id__in=hidden_cases).values("person_id"))
        | Q(pk__in=detention.filter(closed).values("person_id"))
    )
    seen_elsewhere = [
        source_persons.filter(open_to(user, "source__"), person_id=me),
        act.filter(victim_id=me),
        case.filter(opened, person_id=me),
        report.filter(open_to(user, "case__"), person_id=me),
        detention.filter(opened, person_id=me),
        death.filter(person_id=me),
    ]
    hidden = person.objects.filter(named_in_hidden)
    for link in seen_elsewhere:
        hidden = hidden.exclude(Exists(link))
    return hidden.values("pk")


def visible_persons(user, qs: QuerySet | None = None) -> QuerySet:
    """People, minus those known only from restricted records the user may not see.

    A person also named in anything the user may see stays visible (see the module
    docstring); a person named in nothing at all (just created) is visible.
    """
    qs = _all("records.Person", qs)
    return qs if sees_everything(user) else qs.exclude(pk__in=_hidden_person_ids(user))


RULES: dict[str, Callable[..., QuerySet]] = {
    "records.source": visible_sources,
    "records.person": visible_persons,
    "records.event": visible_events,
    "records.attachment": visible_attachments,
    "tracing.tracingcase": visible_cases,
    "tracing.missingpersonreport": visible_reports,
    "tracing.intervention": visible_interventions,
    "tracing.detention": visible_detentions,
}


def restrict_to_assigned(queryset: QuerySet, user) -> QuerySet:
    """The queryset narrowed to what the user may see; types without a rule unchanged."""
    rule = RULES.get(queryset.model._meta.label_lower)
    return queryset if rule is None else rule(user, queryset)


def may_see(user, record: Model) -> bool:
    """Whether the user may see this one record (one query, none for coordinators)."""
    label = record._meta.label_lower
    if label not in RULES or sees_everything(user):
        return True
    base = type(record)._default_manager.filter(pk=record.pk)
    return RULES[label](user, base).exists()


RESTRICTABLE = frozenset({"records.source", "tracing.tracingcase", "tracing.detention"})


def restriction_set(record: Model, *, restricted: bool, team, by) -> Model:
    """Mark a testimony, case or detention restricted (or open again) and assign its
    team.  Coordinators only (`restricted.assign`); restricted with no team leaves the
    record to coordinators alone.  Audited as a change of the record, like any edit."""
    if not (by and by.is_authenticated and by.can("restricted.assign")):
        raise PermissionDenied("restricted.assign")
    if record._meta.label_lower not in RESTRICTABLE:
        raise ValueError(f"{record._meta.label} cannot be restricted")
    with transaction.atomic():
        record.restricted = bool(restricted)
        record.team = team
        record.save(update_fields=["restricted", "team", "updated_at"])
        actor = audit.current_actor(default=audit.Actor.of(by))
        audit.audit_record(actor, audit.PERMISSION_CHANGE, record._meta.model_name, record.code)
    return record


@receiver(m2m_changed, sender="accounts.Team_members")
def _team_members_changed(
    sender, instance, action: str, reverse: bool = False, pk_set=None, **kwargs
) -> None:
    """Joining or leaving a team changes what someone may see: audited as a permission
    change of the team (by its id; never a member's data)."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    teams = sorted(pk_set or ()) if reverse else [instance.pk]
    actor = audit.current_actor()
    for team in teams:
        audit.audit_record(actor, audit.PERMISSION_CHANGE, "team", str(team))
