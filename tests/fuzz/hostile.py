"""Hostile values mixed into the fuzzer's generated requests: NUL, lone surrogates,
right-to-left marks, 100 kB strings and deep nesting."""

from typing import Any

from hypothesis import strategies as st

NESTED: Any = 1
for _ in range(200):  # past kit.untrusted.MAX_DEPTH; requests' encoder recurses too
    NESTED = [NESTED]

URL_SAFE = [
    "a\x00b",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "\ufeff",
    "😀" * 10,
    "A" * 6_000,
    "%00",
    "../../etc/passwd",
    "' OR 1=1 --",
]
"""Strings that a URL can carry (a lone surrogate cannot be encoded in one)."""

BODY = [*URL_SAFE, "a\ud800b", "\udfff", "B" * 100_000, 2**64, -(2**63) - 1, NESTED]


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(_leaves(v) for v in value) or 1
    return 1


def _replace(value: Any, index: int, hostile: Any) -> tuple[Any, int]:
    """``value`` with its ``index``-th leaf (depth first) replaced; the leaves left to skip."""
    if isinstance(value, dict) and value:
        out = {}
        for key, child in value.items():
            out[key], index = _replace(child, index, hostile)
        return out, index
    if isinstance(value, list) and value:
        items = []
        for child in value:
            item, index = _replace(child, index, hostile)
            items.append(item)
        return items, index
    return (hostile if index == 0 else value), index - 1


def poison(value: Any, choices: list[Any]) -> st.SearchStrategy[Any]:
    """``value`` as generated, or with one of its leaves made hostile."""
    if not isinstance(value, dict | list) or not value:
        return st.just(value)
    poisoned = st.tuples(st.integers(0, _leaves(value) - 1), st.sampled_from(choices)).map(
        lambda pick: _replace(value, pick[0], pick[1])[0]
    )
    return st.one_of(st.just(value), poisoned)
