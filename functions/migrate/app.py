"""CloudFormation custom resource: apply database migrations on every deploy."""

from agentpay.db.migrate_resource import handle_custom_resource
from agentpay.observability import logger, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return handle_custom_resource(event, context)
