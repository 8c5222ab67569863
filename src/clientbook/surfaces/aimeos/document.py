"""The JSON:API documents Aimeos answers: ``meta`` (total, prefix, base URL, CSRF token),
``links`` with ``allow`` lists, ``data`` and ``included``. URLs are absolute, built from
the request (its scheme and host, which ``kit.proxies`` takes from a trusted proxy's
``X-Forwarded-Proto``/``X-Forwarded-Host``)."""

from typing import Any
from urllib.parse import quote

from fastapi import Request

from clientbook.kit.responses import FastJSON

JSONAPI = "application/vnd.api+json"
CSRF_NAME = "_token"


class JsonApiResponse(FastJSON):
    media_type = JSONAPI


def base_url(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def resource_url(request: Request) -> str:
    return href(request)


def href(request: Request, query: str = "") -> str:
    """The customer resource's URL with ``query``; a store chosen by ``site`` stays
    chosen in every link (the host name alone would pick another store)."""
    site = getattr(request.state, "aimeos_site", None)
    parts = [part for part in (query, f"site={quote(site)}" if site else "") if part]
    return f"{base_url(request)}/jsonapi/customer" + ("?" + "&".join(parts) if parts else "")


def meta(request: Request, *, total: int, prefix: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "total": total,
        "prefix": prefix,
        "content-baseurl": f"{base_url(request)}/",
    }
    visitor = getattr(request.state, "aimeos_visitor", None)
    if visitor is not None:
        found["csrf"] = {"name": CSRF_NAME, "value": visitor.csrf}
    return found


def related_links(request: Request, customer_id: str | None) -> dict[str, Any]:
    """The customer's related resources, as the customer document links them."""
    owner = f"id={customer_id}&" if customer_id else ""
    return {
        f"customer/{name}": {
            "href": href(request, f"{owner}related={name}"),
            "allow": ["GET", "POST"],
        }
        for name in ("address", "property", "relationships")
    }


def item_url(request: Request, customer_id: str, related: str, related_id: str) -> str:
    return href(request, f"id={customer_id}&related={related}&relatedid={related_id}")
