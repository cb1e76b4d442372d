"""WebSocket $disconnect: forget the connection."""

from agentpay.db import get_database
from agentpay.observability import logger, tracer
from agentpay.realtime import service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    outcome = service.disconnect(get_database(), event["requestContext"]["connectionId"])
    return {"statusCode": outcome.status_code, "body": outcome.body}
