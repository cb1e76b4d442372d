"""WebSocket $default: one JSON frame in, replies out through @connections. Its schedule
(every minute) closes the dashboards' sockets whose operator token expired."""

from agentpay.config import get_settings
from agentpay.db import get_database
from agentpay.observability import logger, metrics, tracer
from agentpay.realtime import service
from agentpay.realtime.lambda_glue import broadcaster_for


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    if "requestContext" not in event:  # EventBridge Scheduler: the sweep
        with get_database().connection() as conn:
            closed = service.close_ended_dashboards(conn, broadcaster_for(event))
        return {"closed": closed}
    outcome = service.handle_frame(
        get_database(), broadcaster_for(event), get_settings(),
        event["requestContext"]["connectionId"], event.get("body"),
    )
    return {"statusCode": outcome.status_code, "body": outcome.body}
