"""/api/v1 evidence files: multipart upload, lists, and downloads by role."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from bordermonitor.accounts.services import api_token_create
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.records import evidence, services
from bordermonitor.records.models import Attachment
from tests.records import evidence_samples as samples

API = "/api/v1"
FILE_NAME = "Zaydan_family_at_the_fence.jpg"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _evidence_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Api:
    def __init__(self, user):
        _, token = api_token_create(user=user)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def upload(self, path: str, data: bytes, name: str = FILE_NAME):
        return self.client.post(
            API + path,
            {"file": SimpleUploadedFile(name, data, content_type="image/jpeg")},
            headers=self.headers,
        )

    def get(self, path: str, **params):
        return self.client.get(API + path, params, headers=self.headers)


def body(response):
    return json.loads(response.content)


@pytest.fixture
def records(monitor) -> dict:
    event = services.event_create(date=parse_fuzzy_date("2024-03-15"), created_by=monitor)
    source = services.source_create(
        kind="witness", received_on=dt.date(2024, 3, 20), created_by=monitor, events=[event]
    )
    return {"source": source.code, "event": event.code}


def test_monitor_uploads_lists_and_downloads_the_working_copy(users, records):
    api = Api(users["monitor"])
    upload = samples.jpeg_with_metadata()
    response = api.upload(f"/sources/{records['source']}/attachments", upload)
    assert response.status_code == 201, response.content
    data = body(response)
    assert data["code"].startswith("A-")
    assert data["sha256"] == hashlib.sha256(upload).hexdigest()
    assert (data["kind"], data["content_type"], data["size"]) == (
        "image",
        "image/jpeg",
        len(upload),
    )
    assert (data["source"], data["event"], data["received_by"]) == (
        records["source"],
        None,
        "u-monitor",
    )
    assert data["working_copy"] is True and data["working_content_type"] == "image/jpeg"
    assert {"exif-gps", "exif-makernote", "xmp"} <= set(data["metadata_removed"])
    assert data["original_name"] is None  # file names are for coordinators only
    assert FILE_NAME not in response.content.decode()

    listed = body(api.get(f"/sources/{records['source']}/attachments"))
    assert listed["count"] == 1 and listed["items"][0]["code"] == data["code"]
    assert body(api.get(f"/attachments/{data['code']}"))["sha256"] == data["sha256"]

    content = api.get(f"/attachments/{data['code']}/content")
    assert content.status_code == 200 and content["Content-Type"] == "image/jpeg"
    assert content["Content-Disposition"] == f'attachment; filename="{data["code"]}.jpg"'
    assert content["X-Content-Type-Options"] == "nosniff"
    assert content["Cache-Control"] == "no-store"
    assert b"Exif" not in content.content and b"http://ns.adobe.com/xap" not in content.content
    with Image.open(io.BytesIO(content.content)) as img:
        assert not img.getexif()

    refused = api.get(f"/attachments/{data['code']}/content", original="true")
    assert refused.status_code == 403
    assert "evidence.download_original" in body(refused)["detail"]


def test_coordinator_downloads_the_unaltered_original(users, records):
    upload = samples.jpeg_with_metadata()
    code = body(Api(users["monitor"]).upload(f"/events/{records['event']}/attachments", upload))[
        "code"
    ]
    api = Api(users["coordinator"])
    meta = body(api.get(f"/attachments/{code}"))
    assert meta["event"] == records["event"] and meta["original_name"] == FILE_NAME
    original = api.get(f"/attachments/{code}/content", original="true")
    assert original.status_code == 200
    assert original.content == upload
    assert hashlib.sha256(original.content).hexdigest() == meta["sha256"]
    assert original["Content-Disposition"] == f'attachment; filename="{code}.jpg"'
    listed = body(api.get(f"/events/{records['event']}/attachments"))
    assert [i["code"] for i in listed["items"]] == [code]
    assert body(api.get(f"/sources/{records['source']}/attachments"))["count"] == 0


def test_refused_uploads_name_the_field_and_store_nothing(users, records, settings):
    api = Api(users["lawyer"])
    path = f"/sources/{records['source']}/attachments"
    response = api.upload(path, b"not a photo at all, just text\n")
    assert response.status_code == 400
    [error] = body(response)["detail"]
    assert error["field"] == "file"
    assert "not a recognised image, audio or PDF file" in error["message"]

    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    response = api.upload(path, samples.tiny_jpeg() + b"\x00" * (2 * 1024 * 1024))
    assert response.status_code == 400
    assert "larger than the 1 MB limit" in body(response)["detail"][0]["message"]

    response = api.upload(path, samples.png_bomb(20000, 20000), name="bomb.png")
    assert response.status_code == 400
    assert "decompression bomb" in body(response)["detail"][0]["message"]

    missing = api.client.post(API + path, {}, headers=api.headers)
    assert missing.status_code == 422
    assert body(missing)["detail"][0]["field"].split(".")[-1] == "file"

    assert Attachment.objects.count() == 0
    assert not evidence.evidence_dir().exists() or not any(evidence.evidence_dir().rglob("*.*"))


def test_a_file_without_working_copy_is_only_for_coordinators(users, records):
    pdf = samples.pdf_file()
    created = body(Api(users["monitor"]).upload(f"/sources/{records['source']}/attachments", pdf))
    assert created["working_copy"] is False and created["working_size"] is None
    monitor = Api(users["monitor"])
    response = monitor.get(f"/attachments/{created['code']}/content")
    assert response.status_code == 404
    assert "no working copy" in body(response)["detail"]
    original = Api(users["coordinator"]).get(
        f"/attachments/{created['code']}/content", original="true"
    )
    assert original.status_code == 200 and original.content == pdf
    assert original["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_without_evidence_get_403(role, users, records, monitor):
    a = evidence.attachment_create(
        uploaded_by=monitor,
        file=samples.tiny_jpeg(),
        source=services.source_create(
            kind="witness", received_on=dt.date(2024, 3, 21), created_by=monitor
        ),
    )
    api = Api(users[role])
    for path in (
        f"/sources/{records['source']}/attachments",
        f"/events/{records['event']}/attachments",
        f"/attachments/{a.code}",
        f"/attachments/{a.code}/content",
    ):
        assert api.get(path).status_code == 403, path
    assert api.upload(f"/sources/{records['source']}/attachments", b"x").status_code == 403


def test_tracing_officer_reads_but_cannot_upload(users, records):
    api = Api(users["tracing_officer"])
    response = api.upload(f"/sources/{records['source']}/attachments", samples.tiny_jpeg())
    assert response.status_code == 403
    assert api.get(f"/sources/{records['source']}/attachments").status_code == 200


def test_unknown_codes_are_404(users):
    api = Api(users["coordinator"])
    assert api.get("/attachments/A-2024-99999").status_code == 404
    assert api.get("/attachments/A-2024-99999/content", original="true").status_code == 404
    assert api.get("/sources/S-2024-99999/attachments").status_code == 404
    response = api.upload("/events/E-2024-99999/attachments", samples.tiny_jpeg())
    assert response.status_code == 404
    assert Attachment.objects.count() == 0


def test_without_a_token_it_is_401(records):
    client = Client()
    response = client.post(
        f"{API}/sources/{records['source']}/attachments",
        {"file": SimpleUploadedFile("a.jpg", samples.tiny_jpeg())},
    )
    assert response.status_code == 401
    assert Attachment.objects.count() == 0
