"""WebSocket $default: one JSON frame in, replies out through @connections."""

from agentpay.config import get_settings
from agentpay.db import get_database
from agentpay.observability import logger, metrics, tracer
from agentpay.realtime import service
from agentpay.realtime.lambda_glue import broadcaster_for


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    outcome = service.handle_frame(
        get_database(), broadcaster_for(event), get_settings(),
        event["requestContext"]["connectionId"], event.get("body"),
    )
    return {"statusCode": outcome.status_code, "body": outcome.body}
