"""SQS → index products. Partial batch responses: one bad record never fails its neighbours."""

from aws_lambda_powertools.utilities.batch import process_partial_response

from agentpay.catalog.index_handler import processor, record_handler
from agentpay.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
