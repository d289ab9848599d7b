"""Pieces of the web security policy that are computed from configuration.

Kept free of Django imports: the settings module reads it before Django is set up.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def tile_image_sources(tiles_url: str) -> list[str]:
    """The CSP img-src entries the map's tile server needs: its origin only.

    Leaflet's `{s}` subdomain placeholder becomes a wildcard host; the empty-tile
    placeholder Leaflet swaps in while panning is a `data:` image.  No tile server
    configured (the default) means no entry at all.
    """
    if not tiles_url:
        return []
    parts = urlsplit(tiles_url.replace("{s}", "*"))
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ValueError("BM_MAP_TILES_URL must be an http(s) URL template")
    host = parts.netloc.rsplit("@", 1)[-1]
    return [f"{parts.scheme}://{host}", "data:"]
