"""The webhook sender as the settings configure it, for ``clientbook serve`` and the CLI."""

from clientbook.kit.db import Database
from clientbook.settings import Settings
from clientbook.webhooks.sender import Policy, WebhookSender


def webhook_sender_from(settings: Settings, database: Database) -> WebhookSender:
    policy = Policy(
        timeout_seconds=settings.webhook_timeout_seconds,
        retry_seconds=settings.webhook_retry_seconds,
        retry_max_seconds=settings.webhook_retry_max_seconds,
        give_up_seconds=settings.webhook_give_up_seconds,
        disable_after_seconds=settings.webhook_disable_after_seconds,
        allow_private=settings.webhook_allow_private,
        lease_seconds=settings.outbox_lease_seconds,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
    )
    return WebhookSender(database, policy)
