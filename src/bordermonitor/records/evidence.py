"""Evidence files: photos, scans and recordings attached to a source or an event.

Two copies are kept, both sealed with the attachment's own data key, as files under
`DATA_DIR/evidence/` (never in the database, never as a static file):

- the *original*, byte for byte as received, with its SHA-256, who received it and
  when (chain of custody), so it can later be shown to be unaltered; only
  coordinators may download it, because it still carries whatever the device
  wrote into it (GPS position, camera serial number, owner's name);
- the *working copy*, used for everything else (viewing, thumbnails, exports,
  sharing), rebuilt from the pixels alone so no location or camera metadata can
  survive.  Only images and WAV recordings get one: PDF, MP3, Ogg and M4A keep
  their metadata in places that cannot be cleaned reliably without new
  dependencies, so they have no working copy and only coordinators can open them.

The type is decided by the content (magic bytes, then a full decode for images),
never by the file name or the type the browser claims.  File names are sealed
(they often carry names) and never logged or put in a URL or a download name.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image

from bordermonitor.accounts.models import User
from bordermonitor.core.codes import next_code
from bordermonitor.core.crypto import associated_data, create_data_key, open_sealed, seal
from bordermonitor.records import selectors
from bordermonitor.records.models import Attachment, Event, Source
from bordermonitor.records.uploads import evidence_max_bytes

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
# A 50-megapixel photo decodes to 150 MB of RGB; anything larger is refused before
# decoding.  Pillow's own bomb check is lowered to the same bound for the process.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_SIZE = 320
MAX_NAME_LENGTH = 255
WORKING_JPEG_QUALITY = 90

BOMB_MESSAGE = _("the image is too large when decoded (decompression bomb?)")
ACCEPTED_DESCRIPTION = _(
    "a JPEG, PNG, WebP or TIFF image, an MP3, Ogg (Opus or Vorbis), M4A or WAV recording, or a PDF"
)


class EvidenceIntegrityError(RuntimeError):
    """A stored original no longer matches the SHA-256 recorded when it was received."""


@dataclass(frozen=True)
class FileType:
    mime: str
    kind: str  # image | audio | document
    extension: str
    pillow_format: str = ""  # the only Pillow decoder allowed to open it


ACCEPTED: dict[str, FileType] = {
    t.mime: t
    for t in [
        FileType("image/jpeg", "image", "jpg", "JPEG"),
        FileType("image/png", "image", "png", "PNG"),
        FileType("image/webp", "image", "webp", "WEBP"),
        FileType("image/tiff", "image", "tif", "TIFF"),
        FileType("application/pdf", "document", "pdf"),
        FileType("audio/mpeg", "audio", "mp3"),
        FileType("audio/ogg", "audio", "ogg"),
        FileType("audio/mp4", "audio", "m4a"),
        FileType("audio/wav", "audio", "wav"),
    ]
}
_ALIASES = {"audio/x-wav": "audio/wav"}
# ISO base media files (ftyp box): accepted only when every track is sound.
_ISO_MEDIA = {"audio/mp4", "video/mp4", "video/3gpp", "video/quicktime", "video/x-m4v"}
EXTENSIONS = {t.mime: t.extension for t in ACCEPTED.values()}


def _refuse(message: str) -> NoReturn:
    raise ValidationError({"file": str(message)})


def megabytes(n: int) -> str:
    """A size limit as people read it: '25 MB', '1.5 MB'."""
    if n < MiB // 10:
        return ngettext("%(n)s byte", "%(n)s bytes", n) % {"n": n}
    value = f"{n / MiB:.1f}".removesuffix(".0")
    return gettext("%(n)s MB") % {"n": value}


# -- reading the upload ----------------------------------------------------------------


def _clean_name(name: str) -> str:
    """The file's own name (no folders, no control characters), kept sealed."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:MAX_NAME_LENGTH]


def _read_upload(file: UploadedFile | bytes, name: str) -> tuple[bytes, str]:
    """The whole file, refused when over the limit without reading more than the limit."""
    limit = evidence_max_bytes()
    too_large = False
    if isinstance(file, (bytes, bytearray, memoryview)):
        data, original_name = bytes(file), name
        too_large = len(data) > limit
    else:
        original_name = name or file.name or ""
        too_large = (file.size or 0) > limit or getattr(file, "truncated", False)
        chunks, total = [], 0
        if not too_large:
            for chunk in file.chunks():
                total += len(chunk)
                if total > limit:
                    too_large = True
                    break
                chunks.append(chunk)
        data = b"".join(chunks)
    if too_large:
        _refuse(
            gettext("the file is larger than the %(limit)s limit") % {"limit": megabytes(limit)}
        )
    if not data:
        _refuse(gettext("the file is empty"))
    return data, _clean_name(original_name)


# -- what the content is ----------------------------------------------------------------


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return False
    return True


def _mp4_track_handlers(data: bytes) -> set[bytes]:
    """Handler types ('soun', 'vide', ...) of the tracks in an ISO media file."""
    found: set[bytes] = set()

    def walk(start: int, end: int, parent: bytes, depth: int) -> None:
        pos = start
        while pos + 8 <= end:
            size = int.from_bytes(data[pos : pos + 4], "big")
            kind, header = data[pos + 4 : pos + 8], 8
            if size == 1:
                if pos + 16 > end:
                    return
                size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
            elif size == 0:
                size = end - pos
            if size < header or pos + size > end:
                return  # malformed: what was found so far decides
            if kind in (b"moov", b"trak", b"mdia") and depth < 4:
                walk(pos + header, pos + size, kind, depth + 1)
            elif kind == b"hdlr" and parent == b"mdia":
                found.add(data[pos + header + 8 : pos + header + 12])
            pos += size

    walk(0, len(data), b"", 0)
    return found


def sniff(data: bytes) -> FileType:
    """The file's type from its content, or a refusal that says what it was."""
    guess = filetype.guess(data)
    mime = guess.mime if guess else None
    if mime in _ISO_MEDIA and data[4:8] == b"ftyp":
        handlers = _mp4_track_handlers(data)
        if b"soun" in handlers and b"vide" not in handlers:
            return ACCEPTED["audio/mp4"]
        _refuse(
            gettext(
                "this %(type)s file holds video or no sound track; MP4 and M4A files are "
                "accepted only as audio recordings"
            )
            % {"type": mime}
        )
    if mime == "audio/ogg":
        head = data[:4096]
        if b"OpusHead" in head or b"\x01vorbis" in head:
            return ACCEPTED["audio/ogg"]
        _refuse(gettext("this Ogg file holds neither Opus nor Vorbis audio"))
    mime = _ALIASES.get(mime, mime)
    if mime in ACCEPTED:
        return ACCEPTED[mime]
    if mime:
        _refuse(
            gettext("files of type %(type)s are not accepted; upload %(accepted)s")
            % {"type": mime, "accepted": ACCEPTED_DESCRIPTION}
        )
    if _looks_like_text(data):
        _refuse(
            gettext(
                "not a recognised image, audio or PDF file (it looks like a text file); the "
                "type is read from the content, not from the file name"
            )
        )
    _refuse(
        gettext(
            "not a recognised image, audio or PDF file; the type is read from the "
            "content, not from the file name"
        )
    )


# -- images --------------------------------------------------------------------------


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        _refuse(BOMB_MESSAGE)


def decode_image(data: bytes, ftype: FileType) -> Image.Image:
    """Fully decode an image with the one decoder its content calls for.

    Refuses decompression bombs before any pixel is decoded, and damaged or
    truncated files (verify, then a full load).
    """
    try:
        # Not thread-safe in Python 3.11, but the only possible mix-up leaves the
        # warning an error, which is the intended policy; the size check stands anyway.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[ftype.pillow_format]) as probe:
                _check_pixels(probe.size)
                frames = getattr(probe, "n_frames", 1)
                probe.verify()
            if frames > 1 and ftype.pillow_format != "JPEG":
                _refuse(
                    gettext(
                        "this image has %(frames)s pages or frames; upload each page as its "
                        "own image (or the scan as a PDF)"
                    )
                    % {"frames": frames}
                )
            image = Image.open(io.BytesIO(data), formats=[ftype.pillow_format])
            _check_pixels(image.size)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse(BOMB_MESSAGE)
    except Exception as exc:  # any decoder failure: damaged, truncated or not an image
        logger.info("evidence image refused: %s", type(exc).__name__)
        _refuse(
            gettext(
                "the file looks like %(type)s but is damaged or truncated and cannot be decoded"
            )
            % {"type": ftype.mime}
        )
    return image


_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_CAMERA_TAGS = {0x010F, 0x0110, 0x0131, 0x013C}  # make, model, software, host computer
_CAMERA_EXIF_TAGS = {0xA430, 0xA431, 0xA433, 0xA434, 0xA435}  # owner, serials, lens
_DATE_TAGS, _DATE_EXIF_TAGS = {0x0132}, {0x9003, 0x9004}
_AUTHOR_TAGS, _AUTHOR_EXIF_TAGS = {0x010E, 0x013B, 0x8298}, {0x9286, 0xA420}


def _exif_labels(image: Image.Image, ftype: FileType) -> list[str]:
    try:
        exif = image.getexif()
        if not exif:
            return []
        gps, sub = exif.get_ifd(_GPS_IFD), exif.get_ifd(_EXIF_IFD)
        thumbnail = exif.get_ifd(ExifTags.IFD.IFD1)
    except Exception:  # unreadable EXIF is dropped like any other
        return ["exif"]
    labels = []
    if ftype.pillow_format != "TIFF" or _EXIF_IFD in exif or _GPS_IFD in exif:
        labels.append("exif")  # TIFF files always have tags; only sub-IFDs count there
    checks = [
        ("exif-gps", bool(gps) or _GPS_IFD in exif),
        ("exif-makernote", 0x927C in sub),
        ("exif-camera", bool(_CAMERA_TAGS & set(exif)) or bool(_CAMERA_EXIF_TAGS & set(sub))),
        ("exif-datetime", bool(_DATE_TAGS & set(exif)) or bool(_DATE_EXIF_TAGS & set(sub))),
        ("exif-author", bool(_AUTHOR_TAGS & set(exif)) or bool(_AUTHOR_EXIF_TAGS & set(sub))),
        ("exif-thumbnail", bool(thumbnail)),
    ]
    return labels + [label for label, present in checks if present]


def _harmless_app_segment(marker: str, payload: bytes) -> bool:
    return (
        (marker == "APP0" and payload.startswith(b"JFIF"))
        or (marker == "APP1" and payload.startswith((b"Exif", b"http://ns.adobe.com/xap")))
        or (marker == "APP2" and payload.startswith(b"ICC_PROFILE"))
        or (marker == "APP13")  # reported as iptc
        or (marker == "APP14" and payload.startswith(b"Adobe"))  # colour transform only
    )


def image_metadata(data: bytes, image: Image.Image, ftype: FileType) -> list[str]:
    """What the original carries besides pixels, as short labels ('exif-gps', 'xmp', ...)."""
    found = _exif_labels(image, ftype)
    info = image.info
    tags = getattr(image, "tag_v2", {}) if ftype.pillow_format == "TIFF" else {}
    if info.get("xmp") or 700 in tags or b"http://ns.adobe.com/xap/1.0/" in data:
        found.append("xmp")
    if info.get("photoshop") or 33723 in tags or 34377 in tags:
        found.append("iptc")
    if info.get("icc_profile"):
        found.append("icc")
    if info.get("comment"):
        found.append("comment")
    if ftype.pillow_format == "PNG" and getattr(image, "text", None):
        found.append("png-text")
    if ftype.pillow_format == "JPEG":
        applist = getattr(image, "applist", [])
        if any(not _harmless_app_segment(m, p) for m, p in applist):
            found.append("jpeg-app-segments")
        if getattr(image, "n_frames", 1) > 1:
            found.append("jpeg-secondary-images")
        elif not data.rstrip(b"\x00\r\n").endswith(b"\xff\xd9"):
            found.append("trailing-data")
    return list(dict.fromkeys(found))


def _to_eight_bits(image: Image.Image) -> Image.Image:
    """16-bit and float scans as 8-bit grey (JPEG has nothing wider)."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    low, high = image.getextrema()
    scale = 255 / (high - low) if high > low else 1
    return image.point(lambda v: (v - low) * scale).convert("L")


# EXIF orientation -> the transposition that shows the picture upright
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image) -> Image.Image:
    """Apply the orientation tag to the pixels.  Not `ImageOps.exif_transpose`: it
    rewrites the EXIF block, which fails on odd GPS values, and the working copy
    keeps no EXIF anyway."""
    try:
        orientation = image.getexif().get(0x0112)
    except Exception:  # an unreadable EXIF block: keep the pixels as stored
        return image
    method = _ORIENTATION.get(orientation)
    return image.transpose(method) if method is not None else image


def image_working_copy(data: bytes, image: Image.Image, ftype: FileType):
    """(bytes, content type, removed labels): upright pixels only, as JPEG or PNG."""
    removed = image_metadata(data, image, ftype)
    image = _upright(image)
    alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    try:
        if image.mode in ("I", "F") or image.mode.startswith("I;16"):
            image = _to_eight_bits(image)
        target = "RGBA" if alpha else ("L" if image.mode in ("1", "L") else "RGB")
        if image.mode != target:
            image = image.convert(target)
        # A new image holding only the pixels: no info, EXIF, XMP, ICC or text can follow.
        clean = Image.new(target, image.size)
        clean.paste(image)
        del image
        out = io.BytesIO()
        if alpha:
            clean.save(out, "PNG")
        else:
            clean.save(out, "JPEG", quality=WORKING_JPEG_QUALITY)
    except Exception as exc:
        logger.info("evidence image: no working copy (%s)", type(exc).__name__)
        _refuse(gettext("the image could not be converted to a working copy without metadata"))
    working = out.getvalue()
    _assert_clean(working)
    return working, "image/png" if alpha else "image/jpeg", removed


def _assert_clean(working: bytes) -> None:
    """Belt and braces: a working copy that still carries metadata is a bug, not a file."""
    with Image.open(io.BytesIO(working), formats=["JPEG", "PNG"]) as check:
        leftovers = (
            bool(check.getexif())
            or any(k in check.info for k in ("exif", "xmp", "icc_profile", "photoshop"))
            or b"http://ns.adobe.com/xap" in working
            or b"Exif\x00\x00" in working
        )
    if leftovers:
        raise RuntimeError("working copy still carries metadata")


# -- WAV ------------------------------------------------------------------------------

_WAV_KEEP = (b"fmt ", b"fact", b"data")


def wav_working_copy(data: bytes) -> tuple[bytes, list[str]] | None:
    """The RIFF/WAVE file with only its format and sample chunks, or None when it
    is not laid out plainly enough to be sure (then there is no working copy)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data) + 1:
        return None  # truncated, or a streaming header with a placeholder size
    pos, kept, removed, seen = 12, [], [], []
    while pos < min(end, len(data)):
        if pos + 8 > len(data):
            return None
        chunk_id, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body_end = pos + 8 + size
        if body_end > len(data):
            return None
        padded = data[pos:body_end] + (b"\x00" if size % 2 else b"")
        if chunk_id in _WAV_KEEP:
            if chunk_id in seen:
                return None
            seen.append(chunk_id)
            kept.append(padded)
        else:
            label = re.sub(r"[^a-z0-9]", "", chunk_id.decode("latin-1").lower())
            removed.append(f"wav-{label or 'chunk'}")
        pos = body_end + size % 2
    if b"fmt " not in seen or b"data" not in seen or seen.index(b"fmt ") > seen.index(b"data"):
        return None
    if len(data) > pos + 1:
        removed.append("trailing-data")
    body = b"WAVE" + b"".join(kept)
    return b"RIFF" + len(body).to_bytes(4, "little") + body, list(dict.fromkeys(removed))


def _working_copy(data: bytes, ftype: FileType) -> tuple[bytes | None, str, list[str]]:
    if ftype.kind == "image":
        return image_working_copy(data, decode_image(data, ftype), ftype)
    if ftype.mime == "audio/wav":
        cleaned = wav_working_copy(data)
        if cleaned is not None:
            return cleaned[0], "audio/wav", cleaned[1]
    return None, "", []


# -- storage ---------------------------------------------------------------------------


def evidence_dir() -> Path:
    return Path(settings.DATA_DIR) / "evidence"


def evidence_path(attachment_id: uuid.UUID, which: str) -> Path:
    """DATA_DIR/evidence/<first 2 hex of the uuid>/<uuid>.original|.working"""
    text = str(attachment_id)
    return evidence_dir() / text[:2] / f"{text}.{which}"


def _aad(attachment_id: uuid.UUID, which: str) -> bytes:
    return associated_data(Attachment._meta.db_table, attachment_id, which)


def _write_atomic(path: Path, blob: bytes) -> None:
    """Whole file or nothing: a crash never leaves half a sealed file under the name."""
    for folder in (evidence_dir(), path.parent):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store(attachment: Attachment, which: str, plaintext: bytes, written: list[Path]) -> None:
    path = evidence_path(attachment.pk, which)
    blob = seal(plaintext, key_id=attachment.data_key_id, aad=_aad(attachment.pk, which))
    written.append(path)
    _write_atomic(path, blob)


def _load(attachment: Attachment, which: str) -> bytes:
    blob = evidence_path(attachment.pk, which).read_bytes()
    return open_sealed(
        blob, aad=_aad(attachment.pk, which), where=f"evidence {which} of {attachment.code}"
    )


# -- writes ---------------------------------------------------------------------------


def attachment_create(
    *,
    uploaded_by: User,
    file: UploadedFile | bytes,
    name: str = "",
    source: Source | None = None,
    event: Event | None = None,
) -> Attachment:
    """Receive an evidence file: seal the original with its SHA-256 (chain of custody)
    and a working copy without metadata; a refused file leaves no row and no file."""
    if source is None and event is None:
        raise ValidationError({"file": gettext("evidence is attached to a source or an event")})
    data, original_name = _read_upload(file, name)
    ftype = sniff(data)
    working, working_type, removed = _working_copy(data, ftype)
    digest = hashlib.sha256(data).hexdigest()

    written: list[Path] = []
    try:
        with transaction.atomic():
            code = next_code(Attachment.CODE_PREFIX)
            attachment = Attachment(
                code=code,
                data_key=create_data_key(code),
                source=source,
                event=event,
                kind=ftype.kind,
                content_type=ftype.mime,
                original_name=original_name,
                original_size=len(data),
                sha256=digest,
                received_by=uploaded_by,
                received_at=timezone.now(),
                working_content_type=working_type,
                working_size=None if working is None else len(working),
                metadata_removed=removed,
            )
            _store(attachment, "original", data, written)
            if working is not None:
                _store(attachment, "working", working, written)
            attachment.save()
    except BaseException:
        # Files of a rolled-back enclosing transaction may stay behind; they are
        # unreadable, since their data key was rolled back with the row.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    logger.info(
        "evidence %s received: %s, %d bytes, by user %s",
        attachment.code,
        ftype.mime,
        len(data),
        uploaded_by.pk,
    )
    return attachment


# -- reads ----------------------------------------------------------------------------


def attachment_original_bytes(attachment: Attachment) -> bytes:
    """The original as received; refuses to hand out bytes that no longer match the
    recorded SHA-256."""
    data = _load(attachment, "original")
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        logger.error("evidence %s: the original does not match its SHA-256", attachment.code)
        raise EvidenceIntegrityError(
            f"the original of {attachment.code} does not match its recorded SHA-256"
        )
    return data


def attachment_working_bytes(attachment: Attachment) -> bytes | None:
    """The working copy without metadata, or None when the type has none."""
    if attachment.working_size is None:
        return None
    return _load(attachment, "working")


def attachment_thumbnail(attachment: Attachment, size: int = THUMBNAIL_SIZE) -> bytes | None:
    """A small JPEG from the working copy (images only), made on request, never stored."""
    if attachment.kind != "image":
        return None
    working = attachment_working_bytes(attachment)
    if working is None:
        return None
    with Image.open(io.BytesIO(working), formats=["JPEG", "PNG"]) as image:
        image.draft("RGB", (size, size))
        image.thumbnail((size, size))
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        elif image.mode != "RGB":
            image = image.convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
    return out.getvalue()


def download_name(attachment: Attachment, *, original: bool) -> str:
    """'A-2024-00012.jpg': the code and the type's extension, never the original name."""
    content_type = attachment.content_type if original else attachment.working_content_type
    return f"{attachment.code}.{EXTENSIONS.get(content_type, 'bin')}"


def _may_view_evidence(user: User | None) -> bool:
    return bool(user and user.is_authenticated and user.can("evidence.view"))


def access_attachment(user: User, code: str) -> Attachment:
    """One attachment, visible only with evidence.view and when every record it is
    attached to is visible; the same 404 for missing and forbidden."""
    if not _may_view_evidence(user):
        raise Http404("no such record")
    attachment = (
        Attachment.objects.select_related("source", "event", "received_by")
        .filter(code=code)
        .first()
    )
    if attachment is None:
        raise Http404("no such record")
    if attachment.source_id is not None:
        selectors.access_source(user, attachment.source.code)
    if attachment.event_id is not None:
        selectors.access_event(user, attachment.event.code)
    return attachment


def attachment_list(
    user: User, *, source: Source | None = None, event: Event | None = None
) -> QuerySet[Attachment]:
    """Evidence of a source or event the caller has already opened with `access_*`."""
    if not _may_view_evidence(user):
        raise selectors.AccessDenied("evidence.view")
    qs = Attachment.objects.select_related("source", "event", "received_by")
    if not user.can("sources.view"):
        qs = qs.filter(source__isnull=True)
    if not user.can("events.view"):
        qs = qs.filter(event__isnull=True)
    if source is not None:
        qs = qs.filter(source=source)
    if event is not None:
        qs = qs.filter(event=event)
    return qs.order_by("-received_at", "code")
