"""Delivering the outbox: claim due rows, post each outside any transaction, record the
answer; a failed attempt is due again after a growing delay, until it is given up.

Every attempt of one row sends the same ``webhook-id`` and body, with a fresh
``webhook-timestamp`` and signature (the spec's replay window is about the timestamp), so
a receiver drops repeats by id.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from agentpay.config import Settings
from agentpay.kit.sealing import DataKeyNotConfigured, SealError, get_sealer
from agentpay.webhooks import repository, sender, signing

logger = logging.getLogger(__name__)

# Seconds to wait after the 1st, 2nd, ... failed attempt; after the last, the row is given
# up (status `failed`): 9 attempts over about a day, as Standard Webhooks suggests.
BACKOFF_SECONDS = (5, 30, 120, 600, 1800, 7200, 21600, 43200)
# A sender's lease on a row: longer than one post can take.
LEASE_SECONDS = 3 * sender.TIMEOUT_SECONDS
BATCH = 25


@dataclass(frozen=True)
class Event:
    """An outbox row to write with the change it reports (see conversations.repository.
    save_turn): its id is the ``webhook-id`` of every attempt."""

    id: UUID
    type: str
    body: str


def event(event_type: str, data: dict[str, Any], now: datetime | None = None) -> Event:
    """A Standard Webhooks payload: ``{"type", "timestamp", "data"}``, serialised once."""
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    body = json.dumps({"type": event_type, "timestamp": at, "data": data},
                      separators=(",", ":"), ensure_ascii=False, default=str)
    return Event(uuid.uuid4(), event_type, body)


def webhook_id(delivery_id: UUID) -> str:
    return f"msg_{delivery_id.hex}"


def retry_delay(attempts: int) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None: give up."""
    return float(BACKOFF_SECONDS[attempts - 1]) if attempts <= len(BACKOFF_SECONDS) else None


@dataclass
class Report:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def deliver(db, settings: Settings, delivery_ids: list[UUID] | None = None,
            limit: int = BATCH) -> Report:
    """Send what is due (of ``delivery_ids``, or any store's). No transaction is open while
    a receiver is called: the claim commits first, each answer is recorded on its own."""
    with db.transaction() as conn:
        rows = repository.claim(conn, delivery_ids, limit, LEASE_SECONDS)
    report = Report()
    for row in rows:
        outcome = _attempt(row, settings)
        with db.transaction() as conn:
            if outcome.ok:
                repository.record_delivered(conn, row["id"], outcome.status or 200)
                report.delivered += 1
                continue
            delay = retry_delay(row["attempts"])
            repository.record_failed_attempt(conn, row["id"], outcome.status, outcome.error,
                                             delay)
        if delay is None:
            report.failed += 1
            logger.warning("webhook given up", extra={
                "delivery_id": str(row["id"]), "organization_id": str(row["organization_id"]),
                "attempts": row["attempts"], "error": outcome.error})
        else:
            report.retrying += 1
            logger.info("webhook attempt failed; will retry", extra={
                "delivery_id": str(row["id"]), "attempts": row["attempts"],
                "retry_in_s": delay, "status": outcome.status, "error": outcome.error})
    return report


def _attempt(row: dict, settings: Settings) -> sender.Answer:
    if not row.get("url") or not row.get("secret_sealed"):
        return sender.Answer(False, None, "the store has no webhook endpoint")
    try:
        secret = get_sealer(settings).open(row["secret_sealed"], str(row["organization_id"]))
    except (SealError, DataKeyNotConfigured) as exc:
        # retried like an unreachable endpoint: a deployment with the right key sends it
        return sender.Answer(False, None, f"the webhook secret cannot be unsealed: {exc}")
    wid = webhook_id(row["id"])
    headers = signing.headers(secret, wid, int(time.time()), row["body"])
    return sender.post(row["url"], row["body"], headers,
                       public_only=settings.is_production)
