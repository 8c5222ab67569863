"""Access tokens (JWT, HS256) and opaque refresh tokens."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from clientbook.kit.db import utcnow
from clientbook.kit.errors import Unauthorized
from clientbook.kit.verified_tokens import VerifiedTokens

ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(secret: str, claims: AccessClaims, ttl: timedelta) -> str:
    now = utcnow()
    payload = {
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "typ": "access",
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


_verified = VerifiedTokens[AccessClaims]()


def read_access_token(secret: str, token: str) -> AccessClaims:
    if (claims := _verified.get(secret, token)) is not None:
        return claims
    try:
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "sid", "exp"]}
        )
        if payload.get("typ") != "access":
            raise Unauthorized("Not an access token")
        claims = AccessClaims(uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"]))
        _verified.add(secret, token, claims, float(payload["exp"]))
        return claims
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise Unauthorized("The access token is invalid") from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(ttl: timedelta, now: datetime | None = None) -> datetime:
    return (now or utcnow()) + ttl
