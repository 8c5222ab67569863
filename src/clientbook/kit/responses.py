"""A JSON response serialised by orjson: the hot read paths answer with plain dicts."""

from typing import Any

import orjson
from starlette.responses import Response


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_UTC_Z, default=str)


def json_values(content: Any) -> Any:
    """``content`` as its JSON reads back: strings for UUIDs and times."""
    return orjson.loads(dumps(content))


class FastJSON(Response):
    """``application/json`` from dicts holding UUIDs, dates and UTC datetimes (``...Z``),
    written as Pydantic writes them, at a fraction of the cost."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
