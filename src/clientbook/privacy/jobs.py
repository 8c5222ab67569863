"""The data lifecycle's scheduled pass: queued duplicate checks, duplicate scans, data
exports built in the background, expired archives removed, retention. ``serve`` runs it
in every worker (each piece claims its rows, or is idempotent), and ``clientbook gdpr
run`` runs it once."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from clientbook.duplicates.checks import run_checks
from clientbook.duplicates.scan import run_scans
from clientbook.kit.db import Database, utcnow
from clientbook.kit.storage import Storage
from clientbook.privacy.exports import build_pending, remove_expired
from clientbook.privacy.retention import purge_due

log = logging.getLogger(__name__)

EXPORTS_PER_RUN = 5


@dataclass
class PassResult:
    checks: int = 0
    scan_steps: int = 0
    exports_built: int = 0
    exports_removed: int = 0
    purged_deleted: int = 0
    purged_unconfirmed: int = 0


async def run_pass(
    database: Database, storage: Storage, keep_days: int, now: datetime | None = None
) -> PassResult:
    now = now or utcnow()
    result = PassResult()
    result.checks = await run_checks(database)
    result.scan_steps = await run_scans(database)
    for _ in range(EXPORTS_PER_RUN):
        built = await build_pending(database, storage, keep_days)
        if not built:
            break
        result.exports_built += built
    result.exports_removed = await remove_expired(database, storage, now)
    purged = await purge_due(database, storage, now)
    result.purged_deleted, result.purged_unconfirmed = purged.deleted, purged.unconfirmed
    return result


async def run_forever(database: Database, storage: Storage, keep_days: int, seconds: int) -> None:
    while True:
        try:
            await run_pass(database, storage, keep_days)
        except Exception:
            log.exception("data lifecycle pass failed")
        await asyncio.sleep(seconds)
