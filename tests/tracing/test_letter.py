"""The family letter: one case, its status, in English or Russian, nothing about anyone else.

A second case with a distinctive name lives in the same database; neither the
letter's HTML nor its PDF may mention it.  Companions and the reporter are other
persons too, so their names and contacts stay out; so do internal notes.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.test import Client
from django.urls import reverse

from bordermonitor.core.dates import FuzzyDate
from bordermonitor.tracing import services
from bordermonitor.tracing.models import TracingCase
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

OTHER_NAME = "Zubaydat Qarawiyyin"
COMPANIONS = "with his cousin Haytham Sulaymaniyah"
REPORTER = "Rukhsana Tillawi"
REPORTER_PHONE = "+963 955 123 987"
NOTE = "internal: the brother may be exaggerating"
WHY = "Officer Okrestina-Why phoned the facility"


@pytest.fixture
def letter_case(make_person, file_report, officer):
    person = make_person("Ahmad Karimi", "SYR")
    report = file_report(
        person,
        received_on=dt.date(2024, 3, 20),
        last_contact=FuzzyDate.day(2024, 3, 10),
        last_contact_place="kuznica",
        reporter_name=REPORTER,
        reporter_phone=REPORTER_PHONE,
        companions=COMPANIONS,
        heading_to="his uncle in Hamburg",
    )
    case = report.case
    case.notes = NOTE  # no page edits notes yet; saved the way a service would
    case.save(update_fields=["notes"])
    services.relay_to_authority(
        case, "icrc", sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    services.case_transition(case, "searching", by=officer, why=WHY)
    # another person, another case, in the same database
    other = file_report(make_person(OTHER_NAME, "IRQ"), reporter_name="Other Reporter")
    services.relay_to_authority(
        other.case, "unhcr", sent_on=dt.date(2024, 3, 21), channel="email", by=officer
    )
    return case


@pytest.fixture
def client(officer) -> Client:
    client = Client()
    sign_in(client, officer)
    return client


def _letter(client, case, **params):
    return client.get(reverse("tracing-case-letter", args=[case.code]), params)


def _nothing_of_anyone_else(text: str, other_case: TracingCase) -> None:
    for fragment in (
        OTHER_NAME,
        "Zubaydat",
        "Qarawiyyin",
        other_case.code,
        "Haytham",
        "cousin",
        REPORTER,
        REPORTER_PHONE,
        "Other Reporter",
        "Hamburg",
        NOTE,
        "Okrestina-Why",
        "UNHCR",
        "УВКБ",
    ):
        assert fragment not in text, fragment


def _other_case(letter_case) -> TracingCase:
    return TracingCase.objects.exclude(pk=letter_case.pk).get()


def test_the_letter_in_english(client, letter_case):
    response = _letter(client, letter_case, language="en", format="html")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<html lang="en">' in text
    assert "Ahmad Karimi" in text
    assert letter_case.code in text
    assert re.search(r'id="letter-status">\s*Searching', text)
    assert "International Committee of the Red Cross" in text
    assert "no answer yet" in text
    assert "10 March 2024" in text and "Kuźnica" in text
    assert "@page { size: A4" in text and "@media print" in text
    assert response["Cache-Control"] == "no-store"
    _nothing_of_anyone_else(text, _other_case(letter_case))


def test_the_letter_in_russian_whatever_the_interface_language(client, letter_case):
    response = _letter(client, letter_case, language="ru", format="html")
    text = response.content.decode()
    assert '<html lang="ru">' in text
    assert re.search(r'id="letter-status">\s*Идёт поиск', text)
    assert "Поиск вашего родственника" in text
    assert "Международный комитет Красного Креста" in text
    assert "марта 2024" in text
    assert "Ahmad Karimi" in text
    _nothing_of_anyone_else(text, _other_case(letter_case))
    # the officer's own pages stay in her language
    page = client.get(reverse("tracing-case-detail", args=[letter_case.code])).content.decode()
    assert '<html lang="en">' in page


def test_an_officer_working_in_russian_writes_an_english_letter(client, officer, letter_case):
    from bordermonitor.accounts.services import user_language_set

    user_language_set(user=officer, language="ru")
    page = client.get(reverse("tracing-case-detail", args=[letter_case.code])).content.decode()
    assert '<html lang="ru">' in page and "Письмо семье" in page
    text = _letter(client, letter_case, language="en", format="html").content.decode()
    assert '<html lang="en">' in text
    assert re.search(r'id="letter-status">\s*Searching', text)
    assert "Dear family," in text and "Уважаемая" not in text


def test_the_letter_shows_the_outcome_once_closed(client, letter_case, officer):
    services.case_transition(
        letter_case,
        "closed",
        outcome="detained",
        by=officer,
        why="he was traced to a hospital in Bialystok",
    )
    text = _letter(client, letter_case, language="en", format="html").content.decode()
    assert re.search(r'id="letter-status">\s*Closed: detained', text)
    text = _letter(client, letter_case, language="ru", format="html").content.decode()
    assert re.search(r'id="letter-status">\s*Закрыто: задержан', text)


def _pdf_text(pdf: bytes) -> str:
    """Every stream of the PDF inflated, to look for words in it (fonts are subset, so
    this is only used to check that nothing of another case is present)."""
    chunks = [pdf.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(chunks)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_pdf_is_one_a4_page(client, letter_case, language):
    response = _letter(client, letter_case, language=language, format="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{letter_case.code}-letter-{language}.pdf"'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    pages = re.findall(r"/Type\s*/Page\b(?!s)", text)
    assert len(pages) == 1
    # A4 in points: 595.28 x 841.89
    box = re.search(r"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", text)
    assert box and round(float(box[1])) == 595 and round(float(box[2])) == 842
    assert "/Title (" in text or "/Title <" in text
    assert OTHER_NAME not in text and _other_case(letter_case).code not in text


def test_a_letter_in_an_unknown_language_is_refused(client, letter_case):
    response = _letter(client, letter_case, language="de", format="html")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_letter_needs_tracing_access(users, letter_case):
    for role in ("analyst", "monitor"):
        client = Client()
        sign_in(client, users[role])
        assert _letter(client, letter_case, language="en", format="pdf").status_code == 403


def test_without_a_choice_the_letter_is_an_english_page(client, letter_case):
    response = client.get(reverse("tracing-case-letter", args=[letter_case.code]))
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
