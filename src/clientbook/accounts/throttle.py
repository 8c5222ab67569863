"""Throttle repeated failed sign-ins per account and per client address.

Failures are rows in the database, so every worker process sees the same counts.
"""

import math
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from clientbook.kit.db import utcnow
from clientbook.kit.errors import TooManyRequests
from clientbook.models import LoginFailure
from clientbook.settings import Settings


async def check(session: AsyncSession, settings: Settings, *, email_key: str, ip: str) -> None:
    window = timedelta(seconds=settings.login_failure_window_seconds)
    since = utcnow() - window
    limits = (
        (LoginFailure.email_key == email_key, settings.login_max_failures_per_account),
        (LoginFailure.ip == ip, settings.login_max_failures_per_ip),
    )
    for condition, limit in limits:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    condition, LoginFailure.at > since
                )
            )
        ).one()
        if count >= limit:
            retry_after = math.ceil((oldest + window - utcnow()).total_seconds())
            raise TooManyRequests(
                "Too many failed sign-ins; try again later", retry_after=max(retry_after, 1)
            )


async def record_failure(
    session: AsyncSession, settings: Settings, *, email_key: str, ip: str
) -> None:
    now = utcnow()
    expired = now - timedelta(seconds=settings.login_failure_window_seconds)
    await session.execute(
        delete(LoginFailure).where(LoginFailure.email_key == email_key, LoginFailure.at <= expired)
    )
    session.add(LoginFailure(email_key=email_key, ip=ip, at=now))
    await session.flush()


async def clear(session: AsyncSession, *, email_key: str) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.email_key == email_key))
