"""/api/v1 evidence files: upload (multipart) and list per source or event, download.

Downloads are the working copy (metadata removed) unless `?original=true`, which
only coordinators may ask for (evidence.download_original).  Download names are
the code, never the original file name.
"""

import datetime as dt
import logging

from django.http import HttpRequest
from ninja import File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import Field

from bordermonitor.accounts.models import User
from bordermonitor.api.common import Pagination, requires
from bordermonitor.api.schemas import Code
from bordermonitor.records import evidence, selectors
from bordermonitor.records.evidence_views import file_response
from bordermonitor.records.models import Attachment

router = Router(tags=["evidence"])
logger = logging.getLogger(__name__)

_BINARY = {"schema": {"type": "string", "format": "binary"}}
DOWNLOAD_RESPONSES = {
    "responses": {
        200: {
            "description": "the file; working copy unless original=true",
            "content": {
                t: _BINARY for t in sorted({*evidence.ACCEPTED, "image/jpeg", "image/png"})
            },
        }
    }
}


class AttachmentOut(Schema):
    code: str
    kind: str = Field(description="image, audio or document")
    content_type: str = Field(description="of the original, read from its content")
    size: int = Field(description="bytes of the original")
    sha256: str = Field(description="SHA-256 of the original, recorded when received")
    received_by: str
    received_at: dt.datetime
    source: str | None
    event: str | None
    working_copy: bool = Field(description="whether a copy without metadata exists")
    working_content_type: str | None
    working_size: int | None
    metadata_removed: list[str]
    original_name: str | None = Field(
        None, description="the uploaded file's name; only for roles that may download originals"
    )


class ContentQuery(Schema):
    original: bool = Field(False, description="the original with its metadata (coordinators)")


def attachment_out(a: Attachment, user: User) -> dict:
    """File names often carry names: only roles that may have the original see it."""
    may_see_name = user.can("evidence.download_original")
    return {
        "code": a.code,
        "kind": a.kind,
        "content_type": a.content_type,
        "size": a.original_size,
        "sha256": a.sha256,
        "received_by": a.received_by.username,
        "received_at": a.received_at,
        "source": a.source.code if a.source_id else None,
        "event": a.event.code if a.event_id else None,
        "working_copy": a.working_size is not None,
        "working_content_type": a.working_content_type or None,
        "working_size": a.working_size,
        "metadata_removed": a.metadata_removed,
        "original_name": (a.original_name or None) if may_see_name else None,
    }


def _listed(request: HttpRequest, **parent) -> list[dict]:
    return [
        attachment_out(a, request.auth) for a in evidence.attachment_list(request.auth, **parent)
    ]


@router.post("/sources/{code}/attachments", response={201: AttachmentOut})
@requires("evidence.upload")
def upload_source_attachment(request: HttpRequest, code: Code, file: File[UploadedFile]):
    source = selectors.access_source(request.auth, code)
    attachment = evidence.attachment_create(uploaded_by=request.auth, file=file, source=source)
    return Status(201, attachment_out(attachment, request.auth))


@router.get("/sources/{code}/attachments", response=list[AttachmentOut])
@requires("evidence.view")
@paginate(Pagination)
def list_source_attachments(request: HttpRequest, code: Code):
    return _listed(request, source=selectors.access_source(request.auth, code))


@router.post("/events/{code}/attachments", response={201: AttachmentOut})
@requires("evidence.upload")
def upload_event_attachment(request: HttpRequest, code: Code, file: File[UploadedFile]):
    event = selectors.access_event(request.auth, code)
    attachment = evidence.attachment_create(uploaded_by=request.auth, file=file, event=event)
    return Status(201, attachment_out(attachment, request.auth))


@router.get("/events/{code}/attachments", response=list[AttachmentOut])
@requires("evidence.view")
@paginate(Pagination)
def list_event_attachments(request: HttpRequest, code: Code):
    return _listed(request, event=selectors.access_event(request.auth, code))


@router.get("/attachments/{code}", response=AttachmentOut)
@requires("evidence.view")
def read_attachment(request: HttpRequest, code: Code):
    return attachment_out(evidence.access_attachment(request.auth, code), request.auth)


@router.get("/attachments/{code}/content", openapi_extra=DOWNLOAD_RESPONSES)
@requires("evidence.view")
def download_attachment(request: HttpRequest, code: Code, query: Query[ContentQuery]):
    user = request.auth
    if query.original and not user.can("evidence.download_original"):
        raise HttpError(403, "your role may not download originals (evidence.download_original)")
    attachment = evidence.access_attachment(user, code)
    if query.original:
        data = evidence.attachment_original_bytes(attachment)
        content_type = attachment.content_type
        logger.info("evidence %s: original downloaded by user %s", attachment.code, user.pk)
    else:
        data = evidence.attachment_working_bytes(attachment)
        if data is None:
            raise HttpError(404, "this file has no working copy (its metadata cannot be removed)")
        content_type = attachment.working_content_type
    return file_response(
        data, content_type, evidence.download_name(attachment, original=query.original)
    )
