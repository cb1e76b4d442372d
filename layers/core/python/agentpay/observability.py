"""Module-scope Powertools logger, metrics and tracer shared by every handler.

The tracer is disabled outside Lambda (POWERTOOLS_TRACE_DISABLED) so tests and the dev
stack need no X-Ray daemon. Nothing here logs events or headers: keys never reach logs.

A disabled tracer gets a provider that does nothing (`NoTracing`): Powertools' default is
X-Ray's recorder even then, and importing `aws_xray_sdk.core` (with botocore) is about a
third of a second of every cold start, for segments that are thrown away. With tracing on
(deployed: `Tracing: Active`) the tracer is Powertools' own, X-Ray and its patches included.
"""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "agentpay")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AgentPay")


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None: ...
    def add_subsegment(self, subsegment: Any) -> None: ...
    def remove_subsegment(self, subsegment: Any) -> None: ...
    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        ...


class NoTracing(BaseProvider):
    """A tracing provider for when tracing is off: every call does nothing."""

    @contextmanager
    def in_subsegment(self, name=None, **kwargs):
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name=None, **kwargs):
        yield _NoSegment()

    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def patch(self, modules: Any) -> None: ...
    def patch_all(self) -> None: ...


def _tracer() -> Tracer:
    # Powertools' own rule (the env var, outside Lambda, SAM local), so on and off mean
    # exactly what they meant before
    if Tracer._is_tracer_disabled():
        return Tracer(disabled=True, provider=NoTracing())
    return Tracer()


logger = Logger()
metrics = Metrics()
tracer = _tracer()

# The Powertools logger is the "agentpay" logger: every agentpay.* module logger propagates
# to it, so each line is JSON with the request's correlation id, and passes redaction.
from agentpay.kit.redact import install as _install_redaction

_install_redaction(logging.getLogger(logger.name))
