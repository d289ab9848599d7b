"""Evidence pages: upload to a source or event, the evidence page, and the files.

Files are only ever served here, after the same access check as the page, with a
download name made of the code (never the original name), `nosniff`, no caching
and a sandboxing content security policy in case a browser renders one anyway.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from bordermonitor.accounts.access import capability_required
from bordermonitor.records import evidence, selectors
from bordermonitor.records.forms import apply_service_errors
from bordermonitor.records.models import Attachment, Event, Source
from bordermonitor.records.uploads import evidence_max_bytes

logger = logging.getLogger(__name__)


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("a photo, scan or recording: JPEG, PNG, WebP, TIFF, PDF, MP3, Ogg, M4A or WAV"),
    )


def file_response(
    data: bytes, content_type: str, filename: str, *, inline: bool = False
) -> HttpResponse:
    """Bytes of evidence, with headers that keep browsers and caches from doing more."""
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _upload(
    request: HttpRequest, *, source: Source | None = None, event: Event | None = None
) -> HttpResponse:
    form = EvidenceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment = evidence.attachment_create(
                uploaded_by=request.user, file=form.cleaned_data["file"], source=source, event=event
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, gettext("Saved %(code)s.") % {"code": attachment.code})
            return redirect("evidence-detail", code=attachment.code)
    return render(
        request,
        "records/evidence/upload.html",
        {
            "form": form,
            "parent": source or event,
            "parent_url": "source-detail" if source else "event-detail",
            "limit": evidence.megabytes(evidence_max_bytes()),
        },
        status=400 if form.errors else 200,
    )


@capability_required("evidence.upload")
@require_http_methods(["GET", "POST"])
def source_evidence_upload_view(request: HttpRequest, code: str) -> HttpResponse:
    return _upload(request, source=selectors.access_source(request.user, code))


@capability_required("evidence.upload")
@require_http_methods(["GET", "POST"])
def event_evidence_upload_view(request: HttpRequest, code: str) -> HttpResponse:
    return _upload(request, event=selectors.access_event(request.user, code))


@capability_required("evidence.view")
@require_GET
def evidence_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    attachment: Attachment = evidence.access_attachment(request.user, code)
    may_see_original = request.user.can("evidence.download_original")
    return render(
        request,
        "records/evidence/detail.html",
        {
            "attachment": attachment,
            "original_name": attachment.original_name if may_see_original else None,
        },
    )


@capability_required("evidence.view")
@require_GET
def evidence_thumbnail_view(request: HttpRequest, code: str) -> HttpResponse:
    attachment = evidence.access_attachment(request.user, code)
    thumbnail = evidence.attachment_thumbnail(attachment)
    if thumbnail is None:
        raise Http404("no thumbnail")
    return file_response(thumbnail, "image/jpeg", f"{attachment.code}-thumbnail.jpg", inline=True)


@capability_required("evidence.view")
@require_GET
def evidence_working_view(request: HttpRequest, code: str) -> HttpResponse:
    attachment = evidence.access_attachment(request.user, code)
    data = evidence.attachment_working_bytes(attachment)
    if data is None:
        raise Http404("no working copy")
    return file_response(
        data,
        attachment.working_content_type,
        evidence.download_name(attachment, original=False),
    )


@capability_required("evidence.download_original")
@require_GET
def evidence_original_view(request: HttpRequest, code: str) -> HttpResponse:
    attachment = evidence.access_attachment(request.user, code)
    data = evidence.attachment_original_bytes(attachment)
    logger.info("evidence %s: original downloaded by user %s", attachment.code, request.user.pk)
    return file_response(
        data, attachment.content_type, evidence.download_name(attachment, original=True)
    )
