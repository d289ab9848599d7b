"""Recipients are data: seeded by `bordermonitor seed`, edited by admins."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bordermonitor.tracing.models import Recipient
from tests.signin import sign_in

pytestmark = pytest.mark.django_db


def test_seed_command_puts_back_missing_recipients():
    Recipient.objects.filter(code__in=["unhcr", "iom"]).delete()
    out = StringIO()
    call_command("seed", stdout=out)
    assert "recipients: 2 added" in out.getvalue()
    assert Recipient.objects.filter(code__in=["unhcr", "iom"]).count() == 2


def test_an_admin_edits_a_recipients_answer_time(users):
    client = Client()
    sign_in(client, users["admin"])
    listing = client.get("/admin/tracing/recipient/")
    assert listing.status_code == 200
    assert "State Border Committee of the Republic of Belarus" in listing.content.decode()
    committee = Recipient.objects.get(code="by-state-border-committee")
    response = client.post(
        f"/admin/tracing/recipient/{committee.pk}/change/",
        {
            "code": committee.code,
            "name": committee.name,
            "name_ru": committee.name_ru,
            "kind": committee.kind,
            "country": committee.country,
            "default_answer_days": 60,
            "contact": committee.contact,
            "active": "on",
            "sort_order": committee.sort_order,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    committee.refresh_from_db()
    assert committee.default_answer_days == 60


def test_other_roles_cannot_reach_the_recipient_admin(users):
    client = Client()
    sign_in(client, users["tracing_officer"])
    response = client.get("/admin/tracing/recipient/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
