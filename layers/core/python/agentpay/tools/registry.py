"""A registry of tools with JSON-schema-checked arguments, timing, and errors as results.

Why errors as results: a tool that fails (bad arguments from a model, an out-of-stock
size, a database hiccup) must never crash the shopper's turn; the engine and the model
see ``ok: false`` with a code and answer accordingly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from jsonschema import Draft202012Validator

from agentpay.orchestrator.context import TurnContext

logger = logging.getLogger(__name__)


class ToolFailure(Exception):
    """A tool's expected refusal: shown to the caller as a code and a message."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input_schema: dict[str, Any]
    fn: Callable[[TurnContext, dict[str, Any]], dict[str, Any]]
    read_only: bool = True


@dataclass
class ToolResult:
    name: str
    arguments: dict[str, Any]
    ok: bool
    data: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    ms: float = 0.0
    caller: str = "engine"

    def record(self) -> dict[str, Any]:
        """What the stored message keeps: enough to audit the turn, no bulky payloads."""
        out: dict[str, Any] = {"name": self.name, "arguments": self.arguments, "ok": self.ok,
                               "ms": round(self.ms, 3), "caller": self.caller}
        if self.error:
            out["error"] = self.error
        if self.data:
            out["result"] = {k: v for k, v in self.data.items() if k in _RECORDED_KEYS}
        return out


_RECORDED_KEYS = {"count", "external_ids", "offer_id", "percent", "reason", "checkout_id",
                  "quote_id", "provider",
                  "total_minor", "currency", "status", "subtotal_minor", "discount_minor",
                  "external_id", "quantity"}


@dataclass
class ToolRegistry:
    tools: dict[str, Tool] = field(default_factory=dict)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def register(self, tool: Tool) -> Tool:
        Draft202012Validator.check_schema(tool.input_schema)
        self.tools[tool.name] = tool
        self._validators[tool.name] = Draft202012Validator(tool.input_schema)
        return tool

    def names(self) -> list[str]:
        return list(self.tools)

    def specs(self, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
        chosen = self.tools if names is None else {n: self.tools[n] for n in names
                                                    if n in self.tools}
        return [{"name": t.name, "description": t.description, "input_schema": t.input_schema}
                for t in chosen.values()]

    def invoke(self, ctx: TurnContext, name: str, arguments: Any, *,
               caller: str = "engine", allowed: Iterable[str] | None = None) -> ToolResult:
        args = arguments if isinstance(arguments, dict) else {}
        started = time.perf_counter()

        def done(**kw: Any) -> ToolResult:
            return ToolResult(name=name, arguments=args, ms=(time.perf_counter() - started)
                              * 1000, caller=caller, **kw)

        tool = self.tools.get(name)
        if tool is None or (allowed is not None and name not in set(allowed)):
            return done(ok=False, error={"code": "unknown_tool",
                                         "message": f"no tool named {name!r} here"})
        if not isinstance(arguments, dict):
            return done(ok=False, error={"code": "invalid_arguments",
                                         "message": "arguments must be a JSON object"})
        errors = sorted(self._validators[name].iter_errors(args), key=lambda e: e.path)
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "(arguments)"
            return done(ok=False, error={"code": "invalid_arguments",
                                         "message": f"{where}: {first.message}"[:300]})
        try:
            data = tool.fn(ctx, args)
        except ToolFailure as exc:
            error = {"code": exc.code, "message": exc.message}
            if exc.details is not None:
                error["details"] = exc.details
            return done(ok=False, error=error)
        except psycopg.Error:
            raise  # the database itself failed: the turn cannot be saved, so it fails whole
        except Exception as exc:
            logger.exception("tool %s failed", name)
            return done(ok=False, error={"code": "tool_error",
                                         "message": f"{type(exc).__name__} in {name}"})
        return done(ok=True, data=data)
