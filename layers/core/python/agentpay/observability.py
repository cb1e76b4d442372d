"""Module-scope Powertools logger, metrics and tracer shared by every handler.

The tracer is disabled outside Lambda (POWERTOOLS_TRACE_DISABLED) so tests and the dev
stack need no X-Ray daemon. Nothing here logs events or headers: keys never reach logs.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "agentpay")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AgentPay")

logger = Logger()
metrics = Metrics()
tracer = Tracer()
