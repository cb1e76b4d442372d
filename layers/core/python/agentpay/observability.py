"""Module-scope Powertools logger, metrics and tracer shared by every handler.

The tracer is disabled outside Lambda (POWERTOOLS_TRACE_DISABLED) so tests and the dev
stack need no X-Ray daemon. Nothing here logs events or headers: keys never reach logs.
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Logger, Metrics, Tracer

if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "agentpay")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AgentPay")

logger = Logger()
metrics = Metrics()
tracer = Tracer()

# The Powertools logger is the "agentpay" logger: every agentpay.* module logger propagates
# to it, so each line is JSON with the request's correlation id, and passes redaction.
from agentpay.kit.redact import install as _install_redaction

_install_redaction(logging.getLogger(logger.name))
