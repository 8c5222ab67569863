"""One-time secrets (refresh tokens, link tokens, SMS codes), stored only as an HMAC."""

import hashlib
import hmac
import secrets

CODE_DIGITS = 6


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hmac_of(key: str, *parts: str) -> str:
    """The stored form of a secret. A short code is bound to its customer and purpose, so
    two customers holding the same six digits still have different, unique values."""
    message = "\x1f".join(parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
