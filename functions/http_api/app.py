"""HTTP API (API Gateway HTTP API, payload v2) → the FastAPI app under Mangum."""

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from agentpay.api.app import create_app
from agentpay.config import get_settings
from agentpay.observability import logger, metrics, tracer

asgi = Mangum(create_app(), lifespan="off", api_gateway_base_path=get_settings().api_base_path)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return asgi(event, context)
