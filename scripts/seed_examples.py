"""Write src/clientbook/surfaces/seed_examples.json: each compatibility surface's
OpenAPI examples, taken from its seed document (the JSON blocks and curl lines).

    python scripts/seed_examples.py /work/shared/seeds > src/clientbook/surfaces/seed_examples.json

Run once per seed change, and read the diff. Jethings' example requests name price lists
and customers by ids like ``pl_abc123``, which Clientbook refuses (its ids are UUIDs):
in requests those become a UUID derived from them (docs/decisions.md).
"""

import contextlib
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

EMAIL = re.compile(r"\[email(?:\xa0| )protected\]")


def _json(text: str) -> Any:
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(EMAIL.sub("customer@example.com", text))


def _blocks(lines: list[str]) -> list[tuple[int, Any]]:
    """The JSON blocks that start a line, with their first line's index."""
    found, i = [], 0
    while i < len(lines):
        if lines[i].startswith(("{", "[")):
            depth, j = 0, i
            while j < len(lines):
                depth += sum(lines[j].count(c) for c in "{[") - sum(lines[j].count(c) for c in "}]")
                if depth <= 0:
                    break
                j += 1
            with contextlib.suppress(json.JSONDecodeError):
                found.append((i, _json("\n".join(lines[i : j + 1]))))
            i = j + 1
        else:
            i += 1
    return found


def _uuids(value: Any) -> Any:
    """``value`` with each Jethings-style id (``pl_abc123``, ``cst_123``) made a UUID."""
    if isinstance(value, dict):
        return {key: _uuids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_uuids(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"(pl|cst)_\w+", value):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, value))
    return value


def _form(lines: list[str]) -> dict[str, str]:
    fields = {}
    for line in lines:
        match = re.search(r'-d "([^=]+)=([^"]*)"', line)
        if match:
            fields[match.group(1)] = match.group(2)
    return fields


def open_loyalty(text: str) -> dict[str, Any]:
    """Each "call the <path> endpoint with the <METHOD> method" section: its first curl's
    form fields and its first 2xx answer."""
    lines = text.split("\n")
    starts = [
        (i, m)
        for i, line in enumerate(lines)
        if (m := re.search(r"call (?:the )?(/api/\S+) endpoint with the (\w+) method", line))
    ]
    blocks = _blocks(lines)
    out: dict[str, Any] = {}
    for n, (start, match) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        path = re.sub(r"<(\w+)>", r"{\1}", match.group(1)).rstrip("/")
        key = f"{match.group(2)} {path}"
        if key in out:
            continue
        section = lines[start:end]
        example: dict[str, Any] = {}
        curl = next((i for i, line in enumerate(section) if line.startswith("curl")), 0)
        curl_end = next((i for i in range(curl, len(section)) if section[i] == "Note"), curl)
        form = _form(section[curl:curl_end])
        if form and match.group(2) != "GET":
            example["request"] = form
        for i, block in blocks:
            status = next(
                (lines[k] for k in range(i - 1, max(i - 4, 0), -1) if "STATUS" in lines[k]), ""
            )
            if start <= i < end and re.search(r"STATUS: 2\d\d", status):
                example["answers"] = {status.split()[1]: block}
                break
        out[key] = example
    return out


def headed(text: str, heading: re.Pattern[str]) -> dict[str, Any]:
    """Sections headed ``METHOD /path``: the block after "Request Body" and the first
    after "Response"/"Success Response" (its status from "Status Code: N", else 200)."""
    lines = text.split("\n")
    starts = [(i, m) for i, line in enumerate(lines) if (m := heading.match(line))]
    blocks = _blocks(lines)
    out: dict[str, Any] = {}
    for n, (start, match) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        example: dict[str, Any] = {}
        for i, block in blocks:
            if not start <= i < end:
                continue
            before = " ".join(lines[max(i - 3, start) : i])
            if "Request Body" in before and "request" not in example:
                example["request"] = _uuids(block)
            elif "Response" in before and "answers" not in example:
                status = re.search(r"Status Code: (\d+)", before)
                example["answers"] = {status.group(1) if status else "200": block}
        path = re.sub(r":(\w+)", r"{\1}", match.group(2))
        out[f"{match.group(1)} {path}"] = example
    return out


def joptic(text: str) -> dict[str, Any]:
    """The first "Success Response:" after each method's first curl example."""
    lines = text.split("\n")
    out: dict[str, Any] = {}
    for method, status in (("POST", "201"), ("GET", "200")):
        curl = next(i for i, line in enumerate(lines) if line.startswith(f"curl -X {method}"))
        for i, block in _blocks(lines):
            if i > curl and lines[i - 1].startswith("Success Response"):
                out[f"{method} /customer"] = {"answers": {status: block}}
                break
    return out


def main(seeds: Path) -> None:
    texts = {p.name: p.read_text() for p in sorted(seeds.glob("*.txt"))}
    found: dict[str, Any] = {}
    for text in texts.values():
        if "Open Loyalty" in text:
            found |= open_loyalty(text)
        elif "MOOD MNKY" in text:
            found |= headed(text, re.compile(r"^(GET|POST|PATCH|PUT|DELETE) (/api/\S+)$"))
        elif "j-optic" in text:
            found |= joptic(text)
        elif "@StoreId()" in text:  # Jethings
            found |= headed(text, re.compile(r"^(GET|POST|PATCH|PUT|DELETE) (/customers\S*) "))
    json.dump(found, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
