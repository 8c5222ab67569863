"""Customer access tokens: a JWT of its own type, which no staff route accepts."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt

from clientbook.kit.db import utcnow
from clientbook.kit.errors import Unauthorized
from clientbook.kit.verified_tokens import VerifiedTokens

ALGORITHM = "HS256"
TOKEN_TYPE = "customer"  # noqa: S105 (a claim value, not a secret)


@dataclass(frozen=True)
class CustomerClaims:
    store_id: uuid.UUID
    customer_id: uuid.UUID
    session_id: uuid.UUID


def issue_customer_token(secret: str, claims: CustomerClaims, ttl: timedelta) -> str:
    now = utcnow()
    payload = {
        "sub": str(claims.customer_id),
        "store": str(claims.store_id),
        "sid": str(claims.session_id),
        "typ": TOKEN_TYPE,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


_verified = VerifiedTokens[CustomerClaims]()


def read_customer_token(secret: str, token: str) -> CustomerClaims:
    if (claims := _verified.get(secret, token)) is not None:
        return claims
    try:
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "sid", "exp"]}
        )
        if payload.get("typ") != TOKEN_TYPE:
            raise Unauthorized("Not a customer access token")
        claims = CustomerClaims(
            uuid.UUID(payload["store"]), uuid.UUID(payload["sub"]), uuid.UUID(payload["sid"])
        )
        _verified.add(secret, token, claims, float(payload["exp"]))
        return claims
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as exc:
        raise Unauthorized("The access token is invalid") from exc
