"""The API key format: ``cbk_`` + 40 random base62 characters + a 6-character checksum.

The prefix makes a leaked key recognisable (secret scanners, logs); the checksum (CRC32,
as GitHub's tokens carry) turns away typos and garbage without a database round trip.
Only a SHA-256 of the key is stored: the body has 238 random bits, so a plain hash cannot
be reversed by guessing, and it is fast enough to compute on every request.
"""

import hashlib
import secrets
import zlib
from dataclasses import dataclass

PREFIX = "cbk_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY = 40
_CHECKSUM = 6
LENGTH = len(PREFIX) + _BODY + _CHECKSUM
SHOWN = len(PREFIX) + 6  # what a listing shows of a key, to tell keys apart


@dataclass(frozen=True)
class ApiKeyCredentials:
    """A request signed with an API key: only its hash travels further."""

    token_hash: str


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM)


def new_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_BODY))
    return f"{PREFIX}{body}{_checksum(body)}"


def looks_like_key(value: str) -> bool:
    """Whether a credential is meant as an API key (as opposed to a JWT)."""
    return value.startswith(PREFIX)


def is_well_formed(key: str) -> bool:
    if len(key) != LENGTH or not key.startswith(PREFIX):
        return False
    body, checksum = key[len(PREFIX) : -_CHECKSUM], key[-_CHECKSUM:]
    if any(c not in _ALPHABET for c in body):
        return False
    return secrets.compare_digest(_checksum(body), checksum)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
