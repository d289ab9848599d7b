"""PDFs rendered from our own HTML (WeasyPrint), in one place.

Two things every PDF needs and no caller should have to remember:
- WeasyPrint fetches nothing: the documents are self-contained (inline SVG charts,
  inline styles), so no file of the server and no address on the network is read;
- importing WeasyPrint sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`,
  after which evidence uploads (records.evidence.decode_image) would accept truncated
  images in every later request of the process.  It is put back at once: our PDFs
  embed no raster image that could need the tolerance.
"""

from __future__ import annotations


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"PDFs here load no external resource ({url[:40]})")


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML document."""
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()
