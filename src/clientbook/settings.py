"""Settings read from the environment (prefix ``CLIENTBOOK_``)."""

import secrets
from enum import StrEnum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Network = IPv4Network | IPv6Network


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Settings(BaseSettings):
    # hide_input_in_errors: a refused setting must not print the secret it was given.
    model_config = SettingsConfigDict(
        env_prefix="CLIENTBOOK_", extra="ignore", hide_input_in_errors=True
    )

    env: Environment = Environment.development
    # Where ``clientbook serve`` listens (its --host/--port win) and what the demo prints.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("var")
    database_url: str = ""
    storage_dir: Path | None = None
    storage_url: str = ""
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_upload_files: int = Field(default=20, ge=1)
    max_multipart_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    jwt_secret: str = ""
    access_token_ttl_seconds: int = Field(default=3600, ge=60)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    log_level: str = "INFO"
    log_json: bool = True
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    db_pool_size: int = Field(default=10, ge=1)
    customer_link_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    customer_code_ttl_seconds: int = Field(default=10 * 60, ge=60)
    customer_code_max_attempts: int = Field(default=5, ge=1)
    invitation_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # How often each ``serve`` worker runs the loyalty tick (one at a time); 0: never.
    loyalty_tick_seconds: int = Field(default=60, ge=0)
    # How often each ``serve`` worker runs the data lifecycle pass (duplicate scans,
    # data exports built in the background, retention); 0: never.
    lifecycle_job_seconds: int = Field(default=60, ge=0)
    # How often each ``serve`` worker looks for customers written since their duplicate
    # candidates were last looked up (similar names included); 0: never.
    duplicate_check_seconds: float = Field(default=2, ge=0)
    data_export_link_seconds: int = Field(default=15 * 60, ge=30)  # a signed link's life
    data_export_keep_days: int = Field(default=7, ge=1)  # then the archive is removed
    # A customer with more records than this gets its archive built in the background.
    data_export_inline_records: int = Field(default=2_000, ge=0)
    # Where sign-in attempts are counted: empty means the database.
    redis_url: str = ""
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses or CIDRs,
    # comma-separated. None by default: the client address is the connection's.
    trusted_proxies: Annotated[list[Network], NoDecode] = Field(default_factory=list)
    # Messages (messages/): e-mail by SMTP when set (smtp://user:pass@host:port, or
    # smtps:// for TLS from the start), SMS by webhook when set; else to the log.
    smtp_url: str = ""
    mail_from: str = "Clientbook <no-reply@localhost>"
    sms_webhook_url: str = ""
    outbox_sender: bool = True  # run the sender inside `clientbook serve`
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_retry_seconds: float = Field(default=30.0, ge=0)  # doubled after each failure
    outbox_retry_max_seconds: float = Field(default=3600.0, ge=0)
    outbox_lease_seconds: int = Field(default=120, ge=5)
    outbox_poll_seconds: float = Field(default=2.0, gt=0)
    outbox_batch_size: int = Field(default=20, ge=1)
    # Webhooks (webhooks/): retried with exponential backoff from the first delay up to
    # the longest, for ``webhook_give_up_seconds`` after the event; an endpoint failing
    # for ``webhook_disable_after_seconds`` is disabled and the store's owners are mailed.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_seconds: float = Field(default=30.0, ge=0)
    webhook_retry_max_seconds: float = Field(default=6 * 3600.0, ge=0)
    webhook_give_up_seconds: float = Field(default=3 * 24 * 3600.0, ge=0)
    webhook_disable_after_seconds: float = Field(default=3 * 24 * 3600.0, ge=0)
    # Loopback, private and link-local receivers: refused unless allowed (docs/webhooks.md).
    webhook_allow_private: bool = False
    # The store of an Aimeos ``/jsonapi`` request whose host name no store has claimed
    # and that names no ``site`` (a store code; empty: such a request finds no store).
    default_store: str = ""
    # Browser origins answered with CORS (credentials allowed) for every store, on the
    # customer surfaces (``/jsonapi``, ``/api/customers``); comma-separated.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Aimeos self sign-up (``POST /jsonapi/customer`` with nobody signed in): at most this
    # many new accounts per client address and store in the window.
    aimeos_signup_limit: int = Field(default=3, ge=1)
    aimeos_signup_window_seconds: int = Field(default=4 * 3600, ge=1)
    # ``/metrics`` needs ``Authorization: Bearer <this>`` when set; open when empty.
    metrics_token: str = ""
    # An OTLP/HTTP traces endpoint (``http://collector:4318/v1/traces``): when set, every
    # request and SQL statement is traced there (kit/tracing.py); off when empty.
    tracing_endpoint: str = ""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [
                ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
            ]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip().lower().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _fill_defaults(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'clientbook.sqlite3'}"
        if self.storage_dir is None:
            self.storage_dir = self.data_dir / "files"
        if not self.storage_url:
            self.storage_url = f"file://{self.storage_dir.resolve()}"
        if not self.jwt_secret:
            if self.env is Environment.production:
                raise ValueError("CLIENTBOOK_JWT_SECRET must be set in production")
            self.jwt_secret = _development_secret(self.data_dir)
        elif self.env is Environment.production and len(self.jwt_secret) < 32:
            raise ValueError("CLIENTBOOK_JWT_SECRET must be at least 32 characters in production")
        return self

    @property
    def base_url(self) -> str:
        """Where a client on this machine reaches ``clientbook serve``."""
        host = self.host
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 (read, not bound)
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"


def _development_secret(data_dir: Path) -> str:
    """A secret generated once and kept in the data dir, so tokens survive restarts."""
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()
