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
    items: list[object],
    limit: int,
    offset: int,
    total: int,
    params: dict[str, str | int | None] | None = None,
) -> dict[str, object]:
    """Spotify's offset paging object with `href`/`next`/`previous` on this server."""
    extra = dict(params or {})
    href = api_href(base, path, {**extra, "offset": offset, "limit": limit})
    nxt = (
        api_href(base, path, {**extra, "offset": offset + limit, "limit": limit})
        if offset + limit < total
        else None
    )
    prev = (
        api_href(base, path, {**extra, "offset": max(0, offset - limit), "limit": limit})
        if offset > 0
        else None
    )
    return {
        "href": href,
        "items": items,
        "limit": limit,
        "next": nxt,
        "offset": offset,
        "previous": prev,
        "total": total,
    }
