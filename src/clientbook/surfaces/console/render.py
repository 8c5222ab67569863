"""Pages from the package's Jinja2 templates, and domain errors as pages."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from clientbook.kit.errors import ClientbookError, FieldError
from clientbook.surfaces.console.deps import SignInNeeded

HERE = Path(__file__).parent
STATIC = HERE / "static"

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _when(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:16].replace("T", " ")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _points(value: Decimal | int | None) -> str:
    if value is None:
        return "0"
    number = Decimal(value)
    text = f"{number:,.2f}"
    return text[:-3] if text.endswith(".00") else text


_env.filters["when"] = _when
_env.filters["points"] = _points


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    html = _env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def see_other(url: str) -> Response:
    """After a form is handled, the browser loads the page (POST-redirect-GET)."""
    return RedirectResponse(url, status_code=303)


def errors_by_field(errors: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.message)
    return found


def render_error(request: Request, error: ClientbookError) -> Response:
    """The console's error renderer: an ended or missing session leads to the sign-in
    page; anything else is a page saying what went wrong (a 404 for another store's
    records, exactly as for records that do not exist)."""
    if isinstance(error, SignInNeeded) or error.status_code == 401:
        if request.method == "GET" and "x-console-fetch" not in request.headers:
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            return see_other(f"/console/sign-in?next={target}")
        return render(request, "error.html", 401, error=error, title="Signed out")
    return render(request, "error.html", error.status_code, error=error, title=error.title)
