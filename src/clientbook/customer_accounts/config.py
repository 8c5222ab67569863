from dataclasses import dataclass
from datetime import timedelta

from clientbook.settings import Environment, Settings


@dataclass(frozen=True)
class AccountConfig:
    """What the customer-account use cases need from the settings, given by the wiring."""

    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    link_ttl: timedelta
    code_ttl: timedelta
    code_max_attempts: int
    secure_cookies: bool = True  # the Secure flag on cookies: off only in development
    # A used refresh token shown again this soon is a second tab, not a thief.
    reuse_grace: timedelta = timedelta(seconds=10)

    @classmethod
    def of(cls, settings: Settings) -> "AccountConfig":
        return cls(
            secret=settings.jwt_secret,
            access_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
            refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
            link_ttl=timedelta(seconds=settings.customer_link_ttl_seconds),
            code_ttl=timedelta(seconds=settings.customer_code_ttl_seconds),
            code_max_attempts=settings.customer_code_max_attempts,
            secure_cookies=settings.env is not Environment.development,
        )
