"""Name similarity as PostgreSQL's pg_trgm counts it, so both databases score alike."""

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=65_536)  # a scan judges each name against many: names repeat
def trigrams(text: str) -> frozenset[str]:
    """Each word, lower-cased and padded with two spaces before and one after, cut in
    three-character pieces (pg_trgm's ``show_trgm``)."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def similarity(a: str, b: str) -> float:
    """Shared trigrams over all trigrams of both (pg_trgm's ``similarity``)."""
    left, right = trigrams(a), trigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)
