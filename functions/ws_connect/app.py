"""WebSocket $connect: accept only a valid conversation token; never post from here."""

from agentpay.db import get_database
from agentpay.observability import logger, tracer
from agentpay.realtime import service


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    outcome = service.connect(get_database(), event["requestContext"]["connectionId"], token)
    return {"statusCode": outcome.status_code, "body": outcome.body}
