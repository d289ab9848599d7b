"""Keyed blind index: exact search on encrypted names without plaintext columns.

A name is cut into normalised tokens; each token is stored only as an
HMAC-SHA256 under a key derived for this purpose, so the index answers "which
people have a name token equal to X" and nothing else.  Tokens are indexed in
their own script and also transliterated to Latin (anyascii), so a search for
"mukhammed" finds a name written "Мухаммед".
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from anyascii import anyascii

from bordermonitor.core.keys import derive_key

_TOKEN_SPLIT = re.compile(r"[^\w]+|_", re.UNICODE)
DIGEST_HEX_CHARS = 32  # 128 bits of the HMAC: unique enough, shorter rows


def normalise_token(token: str) -> str:
    """Case-fold, drop accents and Arabic vowel marks/tatweel, unify letter forms."""
    token = unicodedata.normalize("NFKD", token.casefold())
    token = "".join(ch for ch in token if not unicodedata.combining(ch))
    token = token.replace("\u0640", "")  # Arabic tatweel
    token = token.replace("ё", "е")
    return unicodedata.normalize("NFC", token)


def name_tokens(name: str) -> set[str]:
    """Every searchable token of a name, in its script and transliterated to Latin."""
    tokens: set[str] = set()
    for raw in _TOKEN_SPLIT.split(name or ""):
        token = normalise_token(raw)
        if not token:
            continue
        tokens.add(token)
        latin = normalise_token(anyascii(token)).replace("'", "")
        latin = re.sub(r"[^a-z0-9]", "", latin)
        if latin:
            tokens.add(latin)
    return tokens


def token_digest(token: str) -> str:
    mac = hmac.new(derive_key("blind-index/names"), token.encode("utf-8"), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_HEX_CHARS]


def name_digests(name: str) -> set[str]:
    """Blind-index digests of every token of a name."""
    return {token_digest(t) for t in name_tokens(name)}


def query_digests(query: str) -> list[set[str]]:
    """For a search string: one set of acceptable digests per query word (all must match)."""
    groups = []
    for raw in _TOKEN_SPLIT.split(query or ""):
        if raw.strip():
            groups.append(name_digests(raw))
    return [g for g in groups if g]
