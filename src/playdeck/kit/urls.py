"""Canonical Spotify URLs (kept as Spotify's) and this server's own API URLs."""

from __future__ import annotations

from urllib.parse import urlencode


def spotify_uri(kind: str, ident: str) -> str:
    return f"spotify:{kind}:{ident}"


def external_urls(kind: str, ident: str) -> dict[str, str]:
    return {"spotify": f"https://open.spotify.com/{kind}/{ident}"}


def api_href(base: str, path: str, params: dict[str, str | int | None] | None = None) -> str:
    """An absolute URL on this server's public base (e.g. `…/v1/tracks/ID`)."""
    url = f"{base}/v1/{path.lstrip('/')}"
    if params:
        query = {k: v for k, v in params.items() if v is not None}
        if query:
            url += "?" + urlencode(query, safe=",:")
    return url


def paging(
    base: str,
    path: str,
    items: object,
    limit: int,
    offset: int,
    total: int,
    params: dict[str, str | int | None] | None = None,
) -> dict[str, object]:
    """Spotify's offset paging object with `href`/`next`/`previous` on this server
    (`items` a list, or a ready JSON array)."""
    # The other parameters are encoded once; offset and limit are integers.
    url = api_href(base, path, params)
    url += "&" if "?" in url else "?"
    return {
        "href": f"{url}offset={offset}&limit={limit}",
        "items": items,
        "limit": limit,
        "next": f"{url}offset={offset + limit}&limit={limit}" if offset + limit < total else None,
        "offset": offset,
        "previous": f"{url}offset={max(0, offset - limit)}&limit={limit}" if offset > 0 else None,
        "total": total,
    }
