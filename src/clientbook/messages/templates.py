"""Message texts: Jinja2 templates per store and language.

A template is looked up, for each language from the most to the least specific
(``de-CH``, ``de``, then ``en``), first among the store's own texts (the
``message_templates`` table), then among the files shipped in ``templates/``:
``{template}.{channel}.{language}.txt``, and for English also ``{template}.{channel}.txt``.
An e-mail's first line is ``Subject: ...``; its body is then put in the ``layout``
template of the same channel, found the same way.

The environment is sandboxed (a store's owner writes these texts) and strict: a variable
the context lacks is an error, not an empty string.
"""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.models import MessageTemplate

DIRECTORY = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
LAYOUT = "layout"
SUBJECT = "Subject:"
MAX_SOURCE = 20_000

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8}){0,4}")

_environment = SandboxedEnvironment(
    autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False
)


class TemplateProblem(Exception):
    """A template is missing, does not compile, or does not render; the message fails."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    text: str


def languages(language: str) -> list[str]:
    """``de-CH`` → ``["de-ch", "de", "en"]``: the languages to try, in order."""
    parts = language.lower().split("-")
    found = ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return list(dict.fromkeys([*found, DEFAULT_LANGUAGE]))


def packaged(template: str, channel: str, language: str) -> Path | None:
    names = [f"{template}.{channel}.{language}.txt"]
    if language == DEFAULT_LANGUAGE:
        names.append(f"{template}.{channel}.txt")
    for name in names:
        path = DIRECTORY / name
        if path.is_file():
            return path
    return None


def packaged_names() -> list[tuple[str, str, str]]:
    """(template, channel, language) of every shipped file."""
    found = []
    for path in sorted(DIRECTORY.glob("*.txt")):
        template, channel, *rest = path.name.removesuffix(".txt").split(".")
        found.append((template, channel, rest[0] if rest else DEFAULT_LANGUAGE))
    return found


def exists_packaged(template: str, channel: str) -> bool:
    return any(t == template and c == channel for t, c, _ in packaged_names())


def compile_source(source: str, channel: str) -> Template:
    """The compiled template, or ``TemplateProblem`` saying what is wrong with it."""
    if channel == "email" and not source.startswith(SUBJECT):
        raise TemplateProblem(f"an e-mail template starts with a '{SUBJECT} ...' line")
    try:
        return _environment.from_string(source)
    except TemplateError as exc:
        raise TemplateProblem(f"line {getattr(exc, 'lineno', '?')}: {exc.message}") from exc
    except (RecursionError, MemoryError) as exc:
        raise TemplateProblem("the template is too deeply nested") from exc


@lru_cache(maxsize=256)
def _compiled_file(path: Path, channel: str) -> Template:
    return compile_source(path.read_text(encoding="utf-8"), channel)


async def find(
    session: AsyncSession, store_id: Any, template: str, channel: str, language: str
) -> Template:
    """The text a store uses for a template in a language (see the module's docstring)."""
    wanted = languages(language)
    rows = await session.execute(
        select(MessageTemplate.language, MessageTemplate.body).where(
            MessageTemplate.store_id == store_id,
            MessageTemplate.template == template,
            MessageTemplate.channel == channel,
            MessageTemplate.language.in_(wanted),
        )
    )
    own = {lang.lower(): body for lang, body in rows}
    for lang in wanted:
        if lang in own:
            return compile_source(own[lang], channel if template != LAYOUT else "")
        path = packaged(template, channel, lang)
        if path is not None:
            return _compiled_file(path, channel if template != LAYOUT else "")
    raise TemplateProblem(f"no template {template!r} for {channel}")


def _render(compiled: Template, context: dict[str, Any]) -> str:
    try:
        return compiled.render(context)
    except TemplateError as exc:
        raise TemplateProblem(f"rendering failed: {exc.message}") from exc
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        raise TemplateProblem(f"rendering failed: {type(exc).__name__}") from exc


async def render(
    session: AsyncSession,
    store_id: Any,
    template: str,
    channel: str,
    language: str,
    context: dict[str, Any],
) -> Rendered:
    compiled = await find(session, store_id, template, channel, language)
    text = _render(compiled, context).strip("\n")
    subject = None
    if channel == "email":
        first, _, text = text.partition("\n")
        subject = first.removeprefix(SUBJECT).strip()
        if not subject:
            raise TemplateProblem("the e-mail's subject is empty")
        layout = await find(session, store_id, LAYOUT, channel, language)
        text = _render(layout, {**context, "body": text.strip("\n")}).strip("\n")
    return Rendered(subject, text + "\n")
