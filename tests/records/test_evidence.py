"""Evidence files: the sealed original with its SHA-256, a working copy without location
or camera metadata, content-based type checks, and access-checked pages.

Real files (built with Pillow and by hand), a real database and real sealed files on
disk; nothing is mocked."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import stat

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.db import IntegrityError
from django.http import Http404
from django.test import Client
from django.urls import reverse
from PIL import Image

from bordermonitor.core.codes import next_code
from bordermonitor.core.crypto import DecryptionError
from bordermonitor.core.dates import parse_fuzzy_date
from bordermonitor.core.models import CodeSequence
from bordermonitor.records import evidence, services
from bordermonitor.records.evidence import (
    access_attachment,
    attachment_create,
    attachment_original_bytes,
    attachment_thumbnail,
    attachment_working_bytes,
    evidence_path,
)
from bordermonitor.records.models import Attachment
from bordermonitor.records.uploads import BoundedMemoryUploadHandler
from tests.records import evidence_samples as samples
from tests.signin import sign_in

pytestmark = pytest.mark.django_db

FILE_NAME = "Ahmad_Hussein_pushback_Kuznica.jpg"


@pytest.fixture(autouse=True)
def _evidence_dir(settings, tmp_path):
    """Each test gets its own evidence directory, so "nothing stored" can be checked."""
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def source(monitor):
    return services.source_create(
        kind="interview", received_on=dt.date(2024, 3, 20), created_by=monitor
    )


@pytest.fixture
def event(monitor):
    return services.event_create(date=parse_fuzzy_date("2024-03-15"), created_by=monitor)


def stored_files() -> list:
    root = evidence.evidence_dir()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refusal(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.message_dict["file"])


# -- the working copy and the original ---------------------------------------------------


def test_photo_is_kept_sealed_and_its_working_copy_has_no_metadata(monitor, source):
    upload = samples.jpeg_with_metadata()
    a = attachment_create(uploaded_by=monitor, file=upload, name=FILE_NAME, source=source)

    assert a.code.startswith("A-") and len(a.code) == len("A-2024-00001")
    assert (a.kind, a.content_type, a.original_size) == ("image", "image/jpeg", len(upload))
    assert a.sha256 == hashlib.sha256(upload).hexdigest()
    assert a.received_by == monitor and a.received_at is not None
    assert {"exif", "exif-gps", "exif-makernote", "exif-camera", "xmp"} <= set(a.metadata_removed)

    working = attachment_working_bytes(a)
    assert a.working_content_type == "image/jpeg" and a.working_size == len(working)
    assert b"Exif" not in working
    assert b"http://ns.adobe.com/xap" not in working
    assert samples.MAKER_NOTE not in working and b"PhoneMaker" not in working
    with Image.open(io.BytesIO(working)) as img:
        img.load()
        assert img.format == "JPEG"
        assert not img.getexif()
        assert not {"exif", "xmp", "icc_profile"} & set(img.info)
        assert img.size == (64, 96)  # orientation 6 applied: upright, then forgotten

    # the original, as received, matching the recorded SHA-256
    reread = Attachment.objects.get(pk=a.pk)
    original = attachment_original_bytes(reread)
    assert original == upload
    assert hashlib.sha256(original).hexdigest() == reread.sha256
    assert reread.original_name == FILE_NAME


# top-left pixel (red, green) of the upright picture: the sample is a gradient, red
# growing to the right and green downwards as stored
@pytest.mark.parametrize(
    ("orientation", "size", "corner"),
    [
        (1, (96, 64), (0, 0)),
        (3, (96, 64), (255, 255)),
        (6, (64, 96), (0, 255)),
        (8, (64, 96), (255, 0)),
    ],
)
def test_the_working_copy_is_upright_whatever_the_orientation_tag(
    monitor, source, orientation, size, corner
):
    upload = samples.jpeg_with_metadata(orientation=orientation)
    a = attachment_create(uploaded_by=monitor, file=upload, name=FILE_NAME, source=source)
    with Image.open(io.BytesIO(attachment_working_bytes(a))) as img:
        assert img.size == size
        red, green, _ = img.convert("RGB").getpixel((0, 0))
    assert abs(red - corner[0]) < 40 and abs(green - corner[1]) < 40


def test_files_on_disk_are_sealed(monitor, source):
    upload = samples.jpeg_with_metadata(width=320, height=240)
    a = attachment_create(uploaded_by=monitor, file=upload, name=FILE_NAME, source=source)
    files = stored_files()
    assert files == sorted([evidence_path(a.pk, "original"), evidence_path(a.pk, "working")])
    assert files[0].parent.name == str(a.pk)[:2]
    working = attachment_working_bytes(a)
    needles = [
        upload[:64],
        upload[len(upload) // 2 : len(upload) // 2 + 64],
        upload[-64:],
        working[:64],
        working[len(working) // 2 : len(working) // 2 + 64],
        samples.MAKER_NOTE,
        b"http://ns.adobe.com/xap",
        FILE_NAME.encode(),
        FILE_NAME.encode("utf-16-le"),
        b"Ahmad",
    ]
    for path in files:
        blob = path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for needle in needles:
            assert needle not in blob, (path.name, needle[:20])
    # no temporary files left behind
    assert not [p for p in evidence.evidence_dir().rglob(".incoming-*")]


def test_a_sealed_file_moved_to_another_attachment_does_not_open(monitor, source):
    first = attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    second = attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    evidence_path(second.pk, "original").write_bytes(
        evidence_path(first.pk, "original").read_bytes()
    )
    with pytest.raises(DecryptionError):
        attachment_original_bytes(second)
    # the working copy cannot stand in for the original either
    evidence_path(first.pk, "original").write_bytes(evidence_path(first.pk, "working").read_bytes())
    with pytest.raises(DecryptionError):
        attachment_original_bytes(first)


def test_png_with_alpha_and_text_chunks_keeps_transparency_but_not_the_text(monitor, event):
    upload = samples.png_with_alpha_and_text()
    a = attachment_create(uploaded_by=monitor, file=upload, name="x.png", event=event)
    assert "png-text" in a.metadata_removed
    working = attachment_working_bytes(a)
    assert a.working_content_type == "image/png"
    assert b"camera owner" not in working and b"tEXt" not in working
    with Image.open(io.BytesIO(working)) as img:
        assert img.mode == "RGBA" and not img.text and not img.getexif()
    thumb = attachment_thumbnail(a)
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.format == "JPEG" and max(img.size) <= evidence.THUMBNAIL_SIZE


def test_thumbnail_is_a_small_jpeg_of_the_working_copy(monitor, source):
    upload = samples.jpeg_with_metadata(width=800, height=600)
    a = attachment_create(uploaded_by=monitor, file=upload, source=source)
    thumb = attachment_thumbnail(a)
    assert b"Exif" not in thumb
    with Image.open(io.BytesIO(thumb)) as img:
        assert img.format == "JPEG" and max(img.size) <= evidence.THUMBNAIL_SIZE
        assert img.size[1] > img.size[0]  # upright, like the working copy
    assert len(stored_files()) == 2  # thumbnails are made on request, not stored


def _encoded(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def _exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = samples.GPS_LATITUDE
    return exif


@pytest.mark.parametrize(
    ("data", "working_type", "working_mode", "removed"),
    [
        (_encoded(Image.new("I;16", (20, 10), 40000), "TIFF"), "image/jpeg", "L", set()),
        (
            _encoded(Image.new("CMYK", (20, 10), (0, 255, 255, 0)), "JPEG", exif=_exif_with_gps()),
            "image/jpeg",
            "RGB",
            {"exif-gps", "exif-camera"},
        ),
        (
            _encoded(Image.new("P", (20, 10), 3), "PNG", transparency=3),
            "image/png",
            "RGBA",
            set(),
        ),
        (
            _encoded(
                Image.new("RGB", (20, 10), "red"), "WEBP", exif=_exif_with_gps(), xmp=samples.XMP
            ),
            "image/jpeg",
            "RGB",
            {"exif-gps", "xmp"},
        ),
        (
            _encoded(Image.new("RGB", (20, 10), "red"), "TIFF", tiffinfo={0x010F: "PhoneMaker"}),
            "image/jpeg",
            "RGB",
            {"exif-camera"},
        ),
    ],
    ids=["tiff-16-bit", "jpeg-cmyk", "png-palette-transparent", "webp", "tiff-rgb"],
)
def test_working_copies_of_other_image_formats(
    monitor, source, data, working_type, working_mode, removed
):
    a = attachment_create(uploaded_by=monitor, file=data, source=source)
    assert removed <= set(a.metadata_removed)
    working = attachment_working_bytes(a)
    assert a.working_content_type == working_type
    assert b"PhoneMaker" not in working and b"Exif" not in working
    with Image.open(io.BytesIO(working)) as img:
        assert img.mode == working_mode and img.size == (20, 10)
        assert not img.getexif() and "xmp" not in img.info
    assert attachment_original_bytes(a) == data


def test_a_multi_page_tiff_is_refused(monitor, source):
    pages = [Image.new("L", (20, 10), v) for v in (0, 128, 255)]
    data = _encoded(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    assert "3 pages" in _refused(monitor, source, data, "scan.tif")


# -- refusals: nothing stored ----------------------------------------------------------


def _refused(monitor, source, data: bytes, name: str = "photo.jpg") -> str:
    rows, keys = Attachment.objects.count(), CodeSequence.objects.filter(prefix="A").count()
    with pytest.raises(ValidationError) as exc:
        attachment_create(uploaded_by=monitor, file=data, name=name, source=source)
    assert Attachment.objects.count() == rows
    assert CodeSequence.objects.filter(prefix="A").count() == keys
    assert stored_files() == []
    message = refusal(exc)
    assert name not in message  # file names are never echoed
    return message


def test_a_text_file_renamed_jpg_is_refused(monitor, source):
    message = _refused(monitor, source, b"Meeting notes: 12 people, pushed back at dawn.\n")
    assert "not a recognised image, audio or PDF file" in message
    assert "text" in message


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"PK\x03\x04" + b"\x00" * 60, "application/zip"),
        (b"GIF89a" + b"\x00" * 60, "image/gif"),
        (samples.mp4_file(b"vide"), "video/mp4"),
        (samples.ogg_file(b"\x80theora"), "Ogg"),
    ],
)
def test_other_types_are_refused_naming_what_they_are(monitor, source, data, named):
    assert named in _refused(monitor, source, data)


def test_a_file_over_the_limit_is_refused_with_the_limit_in_mb(monitor, source, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    big = samples.tiny_jpeg() + b"\x00" * (1024 * 1024)
    assert "larger than the 1 MB limit" in _refused(monitor, source, big)
    upload = SimpleUploadedFile("big.jpg", big, content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        attachment_create(uploaded_by=monitor, file=upload, source=source)
    assert "1 MB" in refusal(exc)
    assert stored_files() == []


def test_limits_read_as_megabytes():
    assert evidence.megabytes(25 * 1024 * 1024) == "25 MB"
    assert evidence.megabytes(1536 * 1024) == "1.5 MB"


def test_the_upload_handler_keeps_no_more_than_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 100_000
    handler = BoundedMemoryUploadHandler()
    with pytest.raises(StopFutureHandlers):
        handler.new_file("file", "big.jpg", "image/jpeg", None)
    for start in range(0, 1_000_000, 65536):
        handler.receive_data_chunk(b"\xff" * 65536, start)
    uploaded = handler.file_complete(16 * 65536)
    assert uploaded.size == 16 * 65536 and uploaded.truncated
    assert len(uploaded.read()) == 100_001


def test_a_decompression_bomb_is_refused(monitor, source):
    bomb = samples.png_bomb(20000, 20000)
    assert len(bomb) < 200_000  # tiny on disk, 400 megapixels decoded
    assert "decompression bomb" in _refused(monitor, source, bomb, "bomb.png")


def test_an_image_just_over_the_pixel_bound_is_refused_too(monitor, source):
    """Between Pillow's warning and error thresholds: the warning is an error here."""
    bomb = samples.png_bomb(8000, 8000)  # 64 Mpx > 50 Mpx
    assert "decompression bomb" in _refused(monitor, source, bomb, "bomb.png")


def test_a_truncated_image_is_refused(monitor, source):
    photo = samples.jpeg_with_metadata(width=400, height=300)
    message = _refused(monitor, source, photo[: len(photo) // 2])
    assert "damaged or truncated" in message


def test_a_truncated_image_is_still_refused_after_a_pdf_was_rendered(monitor, source):
    """Importing WeasyPrint makes Pillow accept truncated images process-wide; a family
    letter or report rendered earlier in the same server process must not change what
    evidence is accepted."""
    from bordermonitor.core.pdf import html_to_pdf

    assert html_to_pdf("<p>letter</p>").startswith(b"%PDF")
    photo = samples.jpeg_with_metadata(width=400, height=300)
    message = _refused(monitor, source, photo[: len(photo) // 2])
    assert "damaged or truncated" in message


def test_an_empty_file_is_refused(monitor, source):
    assert "empty" in _refused(monitor, source, b"")


def test_evidence_needs_a_source_or_an_event(monitor):
    with pytest.raises(ValidationError):
        attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg())
    assert stored_files() == []


def test_a_failed_save_removes_the_files_it_wrote(monitor, source):
    """The row is written after the files; when it fails, the files go too."""
    first = attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    files = stored_files()
    seq = CodeSequence.objects.get(prefix="A", year=int(first.code.split("-")[1]))
    seq.last -= 1  # e.g. a sequence restored from an older backup: the next code is taken
    seq.save()
    with pytest.raises(IntegrityError):
        attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    assert stored_files() == files
    assert Attachment.objects.count() == 1
    assert next_code("A")  # the database is still usable


# -- other kinds -------------------------------------------------------------------------


def test_wav_working_copy_keeps_only_the_samples(monitor, source):
    upload, plain = samples.wav_with_metadata()
    a = attachment_create(uploaded_by=monitor, file=upload, name="rec.wav", source=source)
    assert (a.kind, a.content_type, a.working_content_type) == ("audio", "audio/wav", "audio/wav")
    assert {"wav-list", "wav-bext"} <= set(a.metadata_removed)
    working = attachment_working_bytes(a)
    assert working == plain
    assert b"interview with witness" not in working and b"Recorder owner" not in working
    assert attachment_original_bytes(a) == upload
    assert attachment_thumbnail(a) is None


@pytest.mark.parametrize(
    ("data", "content_type", "kind"),
    [
        (samples.pdf_file(), "application/pdf", "document"),
        (samples.mp3_file(), "audio/mpeg", "audio"),
        (samples.mp4_file(b"soun", brand=b"M4A "), "audio/mp4", "audio"),
        (samples.mp4_file(b"soun", brand=b"mp42"), "audio/mp4", "audio"),
        (samples.ogg_file(b"OpusHead"), "audio/ogg", "audio"),
    ],
)
def test_files_whose_metadata_cannot_be_removed_have_no_working_copy(
    monitor, source, data, content_type, kind
):
    a = attachment_create(uploaded_by=monitor, file=data, name="f", source=source)
    assert (a.content_type, a.kind) == (content_type, kind)
    assert a.working_size is None and a.working_content_type == ""
    assert attachment_working_bytes(a) is None
    assert attachment_original_bytes(a) == data
    assert len(stored_files()) == 1


# -- pages -------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _file_headers_ok(response, code: str, ext: str) -> None:
    assert response["Content-Disposition"] == f'attachment; filename="{code}.{ext}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_upload_page_and_evidence_page(users, source):
    monitor = _client(users["monitor"])
    page = monitor.get(reverse("source-detail", args=[source.code]))
    upload_url = reverse("source-evidence-upload", args=[source.code])
    assert upload_url in page.content.decode()
    assert monitor.get(upload_url).status_code == 200

    upload = samples.jpeg_with_metadata()
    response = monitor.post(
        upload_url, {"file": SimpleUploadedFile(FILE_NAME, upload, content_type="image/jpeg")}
    )
    a = Attachment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence-detail", args=[a.code])
    assert FILE_NAME not in response["Location"]

    html = monitor.get(response["Location"]).content.decode()
    for shown in (a.sha256, "u-monitor", "exif-gps", "exif-makernote", "xmp", "image/jpeg"):
        assert shown in html, shown
    assert reverse("evidence-thumbnail", args=[a.code]) in html
    assert reverse("evidence-working", args=[a.code]) in html
    assert reverse("evidence-original", args=[a.code]) not in html  # coordinators only
    assert FILE_NAME not in html and "Ahmad" not in html

    thumb = monitor.get(reverse("evidence-thumbnail", args=[a.code]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["X-Content-Type-Options"] == "nosniff" and thumb["Cache-Control"] == "no-store"

    working = monitor.get(reverse("evidence-working", args=[a.code]))
    assert working.status_code == 200 and working["Content-Type"] == "image/jpeg"
    _file_headers_ok(working, a.code, "jpg")
    assert b"Exif" not in working.content

    # the monitor may not have the original; the coordinator may, and it is unaltered
    assert monitor.get(reverse("evidence-original", args=[a.code])).status_code == 403
    coordinator = _client(users["coordinator"])
    html = coordinator.get(reverse("evidence-detail", args=[a.code])).content.decode()
    assert reverse("evidence-original", args=[a.code]) in html and FILE_NAME in html
    original = coordinator.get(reverse("evidence-original", args=[a.code]))
    assert original.status_code == 200
    _file_headers_ok(original, a.code, "jpg")
    assert original.content == upload
    assert hashlib.sha256(original.content).hexdigest() == a.sha256

    # the source page lists it, by code only
    page = monitor.get(reverse("source-detail", args=[source.code])).content.decode()
    assert reverse("evidence-detail", args=[a.code]) in page and FILE_NAME not in page


def test_refused_upload_on_the_page_says_why_and_stores_nothing(users, event):
    monitor = _client(users["monitor"])
    url = reverse("event-evidence-upload", args=[event.code])
    assert url in monitor.get(reverse("event-detail", args=[event.code])).content.decode()
    text = SimpleUploadedFile("holiday.jpg", b"just some text\n", content_type="image/jpeg")
    response = monitor.post(url, {"file": text})
    assert response.status_code == 400
    assert "not a recognised image, audio or PDF file" in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files() == []


def test_an_oversized_upload_is_cut_short_in_memory(users, source, settings):
    """The upload handler keeps no more than the limit, and never a temporary file."""
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # Django's own handlers would spill to disk
    settings.FILE_UPLOAD_TEMP_DIR = str(settings.DATA_DIR / "upload-tmp")
    (settings.DATA_DIR / "upload-tmp").mkdir()
    big = samples.tiny_jpeg() + b"\x00" * (3 * 1024 * 1024)
    response = _client(users["monitor"]).post(
        reverse("source-evidence-upload", args=[source.code]),
        {"file": SimpleUploadedFile("big.jpg", big, content_type="image/jpeg")},
    )
    assert response.status_code == 400
    assert "larger than the 1 MB limit" in response.content.decode()
    assert Attachment.objects.count() == 0 and stored_files() == []
    assert not list((settings.DATA_DIR / "upload-tmp").iterdir())


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_roles_without_evidence_view_are_refused(role, users, monitor, source):
    a = attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    client = _client(users[role])
    for name in ("evidence-detail", "evidence-thumbnail", "evidence-working", "evidence-original"):
        assert client.get(reverse(name, args=[a.code])).status_code == 403, name
    assert client.get(reverse("source-evidence-upload", args=[source.code])).status_code == 403
    with pytest.raises(Http404):
        access_attachment(users[role], a.code)


def test_tracing_officer_sees_working_copies_but_cannot_upload(users, monitor, source):
    a = attachment_create(uploaded_by=monitor, file=samples.tiny_jpeg(), source=source)
    client = _client(users["tracing_officer"])
    assert client.get(reverse("evidence-detail", args=[a.code])).status_code == 200
    assert client.get(reverse("evidence-working", args=[a.code])).status_code == 200
    assert client.get(reverse("evidence-original", args=[a.code])).status_code == 403
    url = reverse("source-evidence-upload", args=[source.code])
    assert client.get(url).status_code == 403
    assert url not in client.get(reverse("source-detail", args=[source.code])).content.decode()


def test_missing_codes_are_404(users):
    client = _client(users["coordinator"])
    for name in ("evidence-detail", "evidence-thumbnail", "evidence-working", "evidence-original"):
        assert client.get(reverse(name, args=["A-2024-99999"])).status_code == 404, name
    url = reverse("source-evidence-upload", args=["S-2024-99999"])
    assert client.get(url).status_code == 404


def test_no_working_copy_is_explained_on_the_page(users, monitor, source):
    a = attachment_create(uploaded_by=monitor, file=samples.pdf_file(), source=source)
    client = _client(users["monitor"])
    html = client.get(reverse("evidence-detail", args=[a.code])).content.decode()
    assert "metadata could not be removed" in html
    assert "only coordinators may download the original" in html
    assert client.get(reverse("evidence-working", args=[a.code])).status_code == 404
    assert client.get(reverse("evidence-thumbnail", args=[a.code])).status_code == 404
    original = _client(users["coordinator"]).get(reverse("evidence-original", args=[a.code]))
    assert original.status_code == 200 and original["Content-Type"] == "application/pdf"
    _file_headers_ok(original, a.code, "pdf")
