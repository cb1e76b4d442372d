"""The deliver_webhooks function: SQS nudges (one delivery id each) and the schedule's
sweep of every due row. A nudge whose row is not due (sent already, or waiting for its
backoff) does nothing: the row decides, never the message."""

from __future__ import annotations

import json
import logging
from uuid import UUID

from agentpay.config import get_settings
from agentpay.webhooks.service import Report, deliver

logger = logging.getLogger(__name__)
SWEEP_ROUNDS = 8  # a scheduled run sends up to this many batches


def handle(event: dict) -> dict:
    from agentpay.db import get_database

    db, settings = get_database(), get_settings()
    records = event.get("Records")
    if records is None:  # EventBridge schedule: sweep what is due
        total = Report()
        for _ in range(SWEEP_ROUNDS):
            report = deliver(db, settings)
            total.delivered += report.delivered
            total.retrying += report.retrying
            total.failed += report.failed
            if report.delivered + report.retrying + report.failed == 0:
                break
        logger.info("webhooks swept", extra=vars(total))
        return {"swept": vars(total)}
    failures = []
    ids = []
    for record in records:
        try:
            ids.append(UUID(json.loads(record["body"])["delivery_id"]))
        except (KeyError, TypeError, ValueError):
            logger.warning("webhook nudge dropped: not a delivery id",
                           extra={"message_id": record.get("messageId")})
    try:
        report = deliver(db, settings, ids) if ids else Report()
    except Exception:  # the database: let SQS deliver the nudges again
        logger.exception("webhook delivery failed")
        failures = [{"itemIdentifier": r["messageId"]} for r in records]
        return {"batchItemFailures": failures}
    logger.info("webhooks sent", extra=vars(report))
    return {"batchItemFailures": failures}
