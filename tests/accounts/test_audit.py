"""The audit trail: entries for views, changes, sign-ins, refusals, permission changes
and exports; never a name or any content; appends that cannot fork; a table the
database itself will not let anyone change or empty."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse

from bordermonitor.accounts import audit
from bordermonitor.accounts.models import AuditEntry
from bordermonitor.accounts.roles import ADMIN, COORDINATOR
from bordermonitor.accounts.services import user_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records import selectors, services
from tests.conftest import PASSWORD
from tests.signin import sign_in

NAMES = ["Qudsiyya Bint-Zaydan", "Кудсия Зайдан"]
TESTIMONY = "Qudsiyya was pushed back twice near the old bridge."


def _person(by):
    return services.person_create(
        names=[services.NameInput(n, "relative") for n in NAMES],
        created_by=by,
        sex="f",
        birth=parse_fuzzy_date("1994"),
        nationality="IRQ",
    )


def _signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _entries(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("seq"))


def _last(**filters) -> AuditEntry:
    entry = AuditEntry.objects.filter(**filters).order_by("-seq").first()
    assert entry is not None, f"no audit entry with {filters}"
    return entry


# -- what gets written ----------------------------------------------------------------


def test_opening_a_record_writes_one_view_entry_naming_user_and_code(monitor):
    person = _person(monitor)
    client = _signed_in(monitor)
    before = AuditEntry.objects.filter(action=audit.VIEW).count()

    response = client.get(reverse("person-detail", kwargs={"code": person.code}))

    assert response.status_code == 200
    views = _entries(action=audit.VIEW)[before:]
    assert [(e.kind, e.code, e.actor_id, e.actor_name) for e in views] == [
        ("person", person.code, monitor.pk, monitor.username)
    ]
    assert views[0].client_address == "127.0.0.1"


def test_opening_a_record_to_edit_writes_one_view_entry(monitor):
    person = _person(monitor)
    before = AuditEntry.objects.filter(action=audit.VIEW).count()
    response = _signed_in(monitor).get(reverse("person-edit", kwargs={"code": person.code}))
    assert response.status_code == 200
    views = _entries(action=audit.VIEW)[before:]
    assert [(e.kind, e.code) for e in views] == [("person", person.code)]


def test_a_list_page_writes_no_view_entry_per_row(monitor):
    for _ in range(3):
        _person(monitor)
    before = AuditEntry.objects.count()
    response = _signed_in(monitor).get(reverse("person-list"))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(seq__gt=before, action=audit.VIEW).count() == 0


def test_a_refused_page_is_audited_with_the_capability(users):
    analyst = users["analyst"]
    person = _person(users["monitor"])
    response = _signed_in(analyst).get(reverse("person-detail", kwargs={"code": person.code}))
    assert response.status_code == 403
    entry = _last(action=audit.ACCESS_REFUSED)
    assert (entry.actor_name, entry.kind, entry.code) == (
        analyst.username,
        "capability",
        "persons.view",
    )


def test_a_record_refused_in_the_selector_is_audited_with_its_code(users):
    """The single-record chokepoint: a role without the capability gets 404 and an entry."""
    person = _person(users["monitor"])
    with pytest.raises(Http404):
        selectors.access_person(users["analyst"], person.code)
    entry = _last(action=audit.ACCESS_REFUSED)
    assert (entry.actor_id, entry.kind, entry.code) == (users["analyst"].pk, "person", person.code)
    assert not AuditEntry.objects.filter(action=audit.VIEW, code=person.code).exists()


def test_creating_and_changing_a_record_is_audited(monitor):
    person = _person(monitor)
    created = _last(action=audit.CREATE, kind="person")
    assert (created.code, created.actor_id) == (person.code, monitor.pk)

    client = _signed_in(monitor)
    client.get(reverse("person-edit", kwargs={"code": person.code}))
    services.person_update(person=person, notes="seen again in Grodno")
    updated = _last(action=audit.UPDATE, kind="person")
    assert updated.code == person.code
    assert updated.seq > created.seq


def test_a_change_made_through_a_page_names_the_signed_in_user(users):
    coordinator = users[COORDINATOR]
    person = _person(users["monitor"])
    response = _signed_in(coordinator).post(
        reverse("person-edit", kwargs={"code": person.code}),
        {
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "0",
            "names-MIN_NUM_FORMS": "0",
            "names-MAX_NUM_FORMS": "50",
            "names-0-full_name": NAMES[0],
            "names-0-written_by": "relative",
            "sex": "f",
            "nationality": "IRQ",
        },
    )
    assert response.status_code == 302
    entry = _last(action=audit.UPDATE, kind="person", code=person.code)
    assert (entry.actor_id, entry.client_address) == (coordinator.pk, "127.0.0.1")


def test_a_change_made_through_the_api_names_the_token_user_and_a_refusal_is_audited(users):
    """API handlers audit like pages: the token's user, not "system", made the change."""
    from bordermonitor.accounts.services import api_token_create

    coordinator, analyst = users["coordinator"], users["analyst"]
    person = _person(users["monitor"])
    _, secret = api_token_create(user=coordinator)
    response = Client().patch(
        f"/api/v1/persons/{person.code}",
        data={"sex": "m"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.content
    changed = _last(action=audit.UPDATE, kind="person", code=person.code)
    assert (changed.actor_id, changed.actor_name) == (coordinator.pk, coordinator.username)

    _, secret = api_token_create(user=analyst)
    response = Client().get(
        f"/api/v1/persons/{person.code}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 403
    refused = _last(action=audit.ACCESS_REFUSED)
    assert (refused.actor_id, refused.kind, refused.code) == (
        analyst.pk,
        "capability",
        "persons.view",
    )


def test_sign_in_and_failed_sign_in_are_audited_without_the_password(users):
    user = users[COORDINATOR]
    client = Client()
    wrong = "not-the-password-Zx81"
    response = client.post(reverse("login"), {"username": user.username, "password": wrong})
    assert response.status_code == 200
    failed = _last(action=audit.SIGN_IN_FAILED)
    assert (failed.actor_id, failed.actor_name) == (None, user.username)

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    signed = _last(action=audit.SIGN_IN)
    assert (signed.actor_id, signed.code, signed.client_address) == (
        user.pk,
        str(user.pk),
        "127.0.0.1",
    )
    dump = _table_dump()
    assert wrong not in dump and PASSWORD not in dump


def test_role_and_active_changes_are_permission_changes_and_last_login_is_not(users):
    user = users["monitor"]
    before = AuditEntry.objects.filter(action=audit.PERMISSION_CHANGE, code=str(user.pk)).count()
    user.role = COORDINATOR
    user.save()
    user.is_active = False
    user.save()
    user.last_login = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    user.save(update_fields=["last_login"])
    user.save()  # nothing changed
    changes = AuditEntry.objects.filter(action=audit.PERMISSION_CHANGE, code=str(user.pk))
    assert changes.count() == before + 2


def test_a_permission_change_in_the_admin_site_names_the_admin(users):
    admin_user, target = users[ADMIN], users["lawyer"]
    client = _signed_in(admin_user)
    response = client.post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {
            "username": target.username,
            "role": "monitor",
            "is_active": "on",
            "date_joined_0": "2024-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content[:500]
    entry = _last(action=audit.PERMISSION_CHANGE, code=str(target.pk))
    assert (entry.actor_id, entry.actor_name) == (admin_user.pk, admin_user.username)


def _table_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_auditentry")
        return "\n".join(" ".join(str(v) for v in row) for row in cursor.fetchall())


def test_entries_hold_no_names_and_no_content(monitor):
    person = _person(monitor)
    source = services.source_create(
        kind="interview",
        received_on=dt.date(2024, 3, 20),
        created_by=monitor,
        testimony=TESTIMONY,
        persons=[person],
    )
    client = _signed_in(monitor)
    client.get(reverse("person-detail", kwargs={"code": person.code}))
    client.get(reverse("source-detail", kwargs={"code": source.code}))
    assert AuditEntry.objects.filter(code__in=[person.code, source.code]).count() >= 4

    dump = _table_dump()
    for fragment in [*NAMES, "Qudsiyya", "Zaydan", "Кудсия", "pushed back", "Grodno", "1994"]:
        assert fragment not in dump


# -- the chain --------------------------------------------------------------------------


def test_each_entry_is_chained_to_the_one_before(db):
    first = audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    second = audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "publish")
    assert second.seq == first.seq + 1
    assert second.mac == audit.chain_mac(first.mac, audit.entry_bytes(second))
    assert audit.chain_head() == audit.Head(second.seq, second.mac)
    assert audit.audit_verify().ok


def test_an_unknown_action_is_refused_and_writes_nothing(db):
    count = AuditEntry.objects.count()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.audit_record(audit.SYSTEM, "peek", "person", "P-2024-00001")
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain():
    """Two threads appending at once: one chain, numbered without gaps or repeats."""
    per_thread = 25
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def append(name: str) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                audit.audit_record(audit.Actor.system(name), audit.EXPORT, "events", str(i))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(f"worker-{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors, errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 2 * per_thread + 1))
    verdict = audit.audit_verify()
    assert verdict.ok, verdict.broken
    assert verdict.checked == 2 * per_thread


# -- the database refuses changes -------------------------------------------------------


def _refusal_on() -> None:
    """Inside this test's transaction only: the maintenance flag the test harness set
    for flushing is cleared again, as it is in every real database."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_audit_maintenance SET allowed = %s WHERE id = 1", [False])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_auditentry SET actor_name = 'someone else'",
        "DELETE FROM accounts_auditentry",
    ],
)
def test_the_database_refuses_update_and_delete(db, statement):
    entry = audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    _refusal_on()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    entry_now = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_now.actor_name, entry_now.mac) == (entry.actor_name, entry.mac)
    # appending still works
    assert audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "publish").seq == entry.seq + 1


def test_the_orm_cannot_change_or_delete_entries_either(db):
    entry = audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    _refusal_on()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(code="publish")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).code == "share"


def test_postgresql_refuses_truncate(db):
    if connection.vendor != "postgresql":
        # SQLite has no TRUNCATE; its DELETE without WHERE is refused above
        assert connection.vendor == "sqlite"
        return
    audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    _refusal_on()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE accounts_auditentry")
    assert AuditEntry.objects.exists()


# -- the audit page ----------------------------------------------------------------------


def test_the_audit_page_lists_and_filters_entries(users):
    admin_user = users[ADMIN]
    person = _person(users["monitor"])
    _signed_in(users["monitor"]).get(reverse("person-detail", kwargs={"code": person.code}))
    client = _signed_in(admin_user)

    everything = client.get(reverse("audit-list"))
    assert everything.status_code == 200
    assert person.code in everything.content.decode()

    only_views = client.get(reverse("audit-list"), {"action": "view", "code": person.code})
    body = only_views.content.decode()
    assert only_views.status_code == 200
    assert body.count('<tr data-seq="') == 1
    assert ">view<" in body and users["monitor"].username in body

    by_actor = client.get(reverse("audit-list"), {"actor": "nobody-of-that-name"})
    assert 'data-seq="' not in by_actor.content.decode()

    today = dt.date.today()
    in_range = client.get(
        reverse("audit-list"),
        {"kind": "person", "date_from": (today - dt.timedelta(days=1)).isoformat()},
    )
    assert person.code in in_range.content.decode()
    old = client.get(reverse("audit-list"), {"kind": "person", "date_to": "2020-01-01"})
    assert person.code not in old.content.decode()
    for name in NAMES:
        assert name not in everything.content.decode()


def test_the_audit_page_explains_a_bad_period_and_shows_nothing(users):
    client = _signed_in(users[ADMIN])
    audit.audit_record(audit.SYSTEM, audit.EXPORT, "events", "share")
    response = client.get(
        reverse("audit-list"), {"date_from": "2024-05-01", "date_to": "2024-04-01"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "end of the period comes before its start" in body
    assert 'data-seq="' not in body
    response = client.get(reverse("audit-list"), {"date_from": "yesterday"})
    assert "Enter a valid date" in response.content.decode()


def test_only_admins_open_the_audit_page(users):
    for role, user in users.items():
        status = _signed_in(user).get(reverse("audit-list")).status_code
        assert status == (200 if role == ADMIN else 403), role


def test_user_create_is_recorded_as_a_permission_change(db):
    user = user_create(username="new-lawyer", role="lawyer", password=PASSWORD)
    entry = _last(action=audit.PERMISSION_CHANGE, code=str(user.pk))
    assert entry.kind == "user"
