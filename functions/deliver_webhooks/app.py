"""Webhooks to stores: SQS nudges (a committed outbox row to send now) and a schedule that
sends every due row (retries with backoff, lost nudges)."""

from agentpay.observability import logger, tracer
from agentpay.webhooks.handler import handle


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return handle(event)
