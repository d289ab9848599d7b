"""Upload handling: files stay in memory, bounded, and never touch the disk in plaintext.

Django's default handlers write any upload larger than FILE_UPLOAD_MAX_MEMORY_SIZE
to a temporary file: an unencrypted copy of a photo of a victim, left in /tmp.
This handler keeps at most `EVIDENCE_MAX_BYTES + 1` bytes per request in memory
and only counts the rest, so an oversized upload is refused by
`records.evidence` with a clear message and costs bounded memory.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers


def evidence_max_bytes() -> int:
    """The largest evidence file accepted (settings.EVIDENCE_MAX_BYTES)."""
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


class BoundedUploadedFile(InMemoryUploadedFile):
    """An upload whose `size` is what the client sent; `truncated` when not all was kept."""

    truncated: bool = False


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keep uploads in memory up to one budget per request; count, but drop, the rest."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        # one budget for the whole request, so many files cannot add up to a lot
        self.budget = evidence_max_bytes() + 1

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        keep = raw_data[: max(self.budget, 0)]
        if keep:
            self.buffer.write(keep)
            self.budget -= len(keep)
        return None

    def file_complete(self, file_size: int) -> BoundedUploadedFile:
        self.buffer.seek(0)
        uploaded = BoundedUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.received,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
        uploaded.truncated = self.buffer.getbuffer().nbytes < self.received
        return uploaded
