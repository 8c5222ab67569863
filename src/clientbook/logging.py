"""Structured logs: one JSON object per line, for structlog and for the standard library's
loggers (uvicorn's included), with personal data kept out.

Personal data is kept out by field name: a field named like personal data is replaced, the
free-text fields are scrubbed of e-mail addresses and phone numbers, and every other field
(paths, ids, times) is left as it is. An exception is logged as its type, its frames and a
message that cannot carry the request's values (see ``_safe_message``).
"""

import logging
import re
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, StatementError

Event = MutableMapping[str, Any]

PERSONAL = frozenset(
    {
        "email",
        "phone",
        "name",
        "first_name",
        "last_name",
        "street",
        "address",
        "city",
        "postcode",
        "postal_code",
        "birth_date",
        "date_of_birth",
        "password",
        "password_hash",
        "token",
        "access_token",
        "refresh_token",
        "auth_token",  # an API key, as Open Loyalty clients send it
        "x_auth_token",
        "x-auth-token",
        "api_key",
        "authorization",
        "secret",
        "coupon_code",  # redeemable once at a till
        "referral_code",
        "query",
        "query_string",
        "body",
    }
)
# Fields whose text may quote what a client sent.
FREE_TEXT = frozenset({"detail", "message", "error", "reason"})
REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Path segments that are secrets (Open Loyalty puts activation tokens, SMS codes and push
# tokens in its paths): the segment after these words.
_SECRET_SEGMENT = re.compile(r"/(activate|activate-sms|confirm-change|pushy-token)/[^/?#]+")
_PHONE = re.compile(r"\+?\d[\d \-().]{6,}\d")


def scrub(text: str) -> str:
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def _mask(_logger: Any, _method: str, event: Event) -> Event:
    for key, value in event.items():
        if key.lower() in PERSONAL:
            event[key] = REDACTED
        elif key in FREE_TEXT and isinstance(value, str):
            event[key] = scrub(value)
        elif key in ("path", "event") and isinstance(value, str):
            value = _SECRET_SEGMENT.sub(rf"/\1/{REDACTED}", value)
            event[key] = _EMAIL.sub("[email]", value)  # ids and dates in paths stay whole
    return event


def _safe_message(exc: BaseException) -> str:
    """What an exception says, without the values it may quote: a database error names
    its driver error and SQLSTATE (not the parameters, nor the driver's text, which quotes
    values); a pydantic error names the fields and error types; other text is scrubbed."""
    if isinstance(exc, DBAPIError | StatementError):
        orig = getattr(exc, "orig", None)
        state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return f"{type(orig).__name__ if orig else type(exc).__name__} sqlstate={state}"
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
    return scrub(str(exc))


def _exception(_logger: Any, _method: str, event: Event) -> Event:
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    _kind, exc, tb = exc_info
    if exc is None:
        return event
    event["exception"] = {
        "type": type(exc).__name__,
        "message": _safe_message(exc),
        "frames": [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)],
    }
    return event


_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _exception,
    _mask,
]


def json_formatter() -> logging.Formatter:
    """For the standard library's records (uvicorn, alembic): the same JSON lines."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_SHARED],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's ``log_config``: its loggers write JSON lines too."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "clientbook.logging.json_formatter"}},
        "handlers": {"default": handler},
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
        "root": {"handlers": ["default"], "level": level.upper()},
    }


class _StderrLogger:
    """Writes each rendered line to the *current* ``sys.stderr`` (structlog's PrintLogger
    keeps the stream it was made with, which a cached logger then keeps for good)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _stderr_logger(*_args: Any) -> _StderrLogger:
    return _StderrLogger()


def configure(level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*_SHARED, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=True,
    )
    if json:
        _route_standard_logging(level)


def _route_standard_logging(level: str) -> None:
    """Every standard-library logger without a handler of its own writes JSON lines."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_clientbook", False):
            root.removeHandler(handler)
    if any(isinstance(h.formatter, structlog.stdlib.ProcessorFormatter) for h in root.handlers):
        return  # uvicorn_log_config already gave the root logger a JSON handler
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler._clientbook = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
