"""Generate: a model phrases the reply from the grounded draft and the tool results.

The model sees the agent's persona and rules (system prompt), the recent history, and
this turn's facts inside <data> blocks; it may look things up with read-only tools. Its
reply is checked by the guard; when no model is configured, or every provider fails, or
the guard objects, the offline reply stands, and the stored usage says so.

What streams to the shopper passes the guard first (``guard.StreamGate``): a piece with
an amount, percentage or link the facts do not hold is never sent. The model has what is
left of the turn's deadline (``agentpay.kit.deadline``), less time to save: all its
rounds and providers together, so two stalled providers still leave the offline reply
time to answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentpay.kit import deadline
from agentpay.orchestrator import cart, guard, negotiation, offline
from agentpay.orchestrator.actions import Action
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.default import MODEL_TOOLS, default_registry, enabled_tools
from agentpay.tools.registry import ToolResult

logger = logging.getLogger(__name__)

HISTORY_TURNS = 10
MAX_TOOL_ROUNDS = 2
# Of the turn's deadline, kept for saving the reply after the model; and the least time
# worth starting a model call in (less, and the offline reply answers at once).
SAVE_RESERVE_SECONDS = 1.0
MIN_MODEL_SECONDS = 2.0


@dataclass
class Generated:
    text: str
    usage: dict[str, Any]
    extra_results: list[ToolResult] = field(default_factory=list)


_OFFER_FIELDS = ("percent", "base_total_minor", "discount_minor", "total_minor", "currency",
                 "expires_at")


def facts_of(action: Action, results: list[ToolResult], ctx: TurnContext) -> dict[str, Any]:
    """What the model may use this turn. The guard lets a reply quote only the structured
    values in here (prices, totals, the current offer, product and checkout links)."""
    lines = (ctx.state.get("cart") or {}).get("lines") or []
    offer = negotiation.active_offer(ctx.negotiation, ctx.now)
    return {
        "action": action.record(),
        "tool_results": [{"tool": r.name, "ok": r.ok, "data": r.data, "error": r.error}
                         for r in results],
        "cart": {"lines": lines, "subtotal_minor": cart.subtotal(lines),
                 "currency": cart.currency(lines, ctx.currency)},
        "checkout": ctx.state.get("checkout"),
        # the discount on offer now, if any: the only percentage a reply may state
        "offer": {k: offer.get(k) for k in _OFFER_FIELDS} if offer else None,
        # what the store told us about this shopper (name, locale, past orders...)
        "customer": ctx.conversation.get("customer") or {},
        "hesitation_signals": [h["signal"] for h in ctx.hesitation[-5:]],
        # "by how much": the gap between the two products read, computed here
        **({"price_gap": gap} if (gap := _price_gap(action, results)) else {}),
    }


def _price_gap(action: Action, results: list[ToolResult]) -> dict | None:
    pair = offline.compared_pair(action, results)
    return offline.price_gap(*pair) if pair else None


# How a store team member's message reads in the model's history (the store's own words,
# trusted as the agent's are; the shopper saw them as the team's).
OPERATOR_PREFIX = "[A person on the store's team wrote to the shopper:] "


def _messages(ctx: TurnContext, text: str, facts: dict, draft: str):
    from agentpay.llm.base import ChatMessage
    from agentpay.llm.prompts import render_data

    out: list[ChatMessage] = []
    for m in ctx.history[-HISTORY_TURNS:]:
        if m["role"] in ("user", "assistant") and m["content"]:
            out.append(ChatMessage(role=m["role"], content=m["content"]))
        elif m["role"] == "operator" and m["content"]:
            # a person held the conversation: after release the agent knows what they said
            out.append(ChatMessage(role="assistant", content=OPERATOR_PREFIX + m["content"]))
    # the API needs alternating roles starting with the user
    while out and out[0].role != "user":
        out.pop(0)
    merged: list[ChatMessage] = []
    for m in out:
        if merged and merged[-1].role == m.role:
            merged[-1] = ChatMessage(role=m.role, content=merged[-1].content + "\n" + m.content)
        else:
            merged.append(m)
    turn = (render_data("shopper_message", text) + "\n"
            + render_data("turn_facts", facts) + "\n"
            + render_data("grounded_draft", draft) + "\n"
            "Write the reply to the shopper now, in your own voice, using only these facts.")
    if merged and merged[-1].role == "user":
        merged[-1] = ChatMessage(role="user", content=merged[-1].content + "\n" + turn)
    else:
        merged.append(ChatMessage(role="user", content=turn))
    return merged


def generate(ctx: TurnContext, text: str, action: Action, results: list[ToolResult],
             draft: str, on_delta: Callable[[str], None] | None = None,
             on_restart: Callable[[], None] | None = None) -> Generated:
    try:
        from agentpay.llm.factory import get_generator
    except ImportError:  # pragma: no cover - the llm package ships with the core layer
        return Generated(draft, {"responder": "offline"})
    generator = get_generator()
    if generator is None:
        _emit(draft, on_delta)
        return Generated(draft, {"responder": "offline"})
    from agentpay.limits.service import may_call_model

    if not may_call_model(ctx.organization_id, ctx.model_budget):
        _emit(draft, on_delta)
        return Generated(draft, {"responder": "offline", "budget": "exceeded"})
    if _model_time() is not None and _model_time() < MIN_MODEL_SECONDS:
        _emit(draft, on_delta)
        return Generated(draft, {"responder": "offline", "deadline": "reached"})
    from agentpay.llm.base import (
        ChatMessage,
        GenerationRequest,
        LLMError,
        ToolResultContent,
        ToolSpec,
    )
    from agentpay.llm.prompts import build_system_prompt, render_data
    from agentpay.llm.runner import generate as run

    facts = facts_of(action, results, ctx)
    registry = default_registry()
    allowed = [n for n in enabled_tools(ctx.agent) if n in MODEL_TOOLS]
    tools = [ToolSpec(**spec) for spec in registry.specs(allowed)]
    messages = _messages(ctx, text, facts, draft)
    system = build_system_prompt(ctx.agent)
    extra: list[ToolResult] = []
    usage = {"responder": "llm", "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0,
             "calls": 0}
    # what the shopper sees: only pieces the guard passed, checked against this round's
    # facts (a tool round's results are facts of the next)
    gate = guard.StreamGate(facts, on_delta or (lambda piece: None))

    def restart() -> None:
        if gate.sent and on_restart is not None:
            on_restart()  # the tabs drop what they were shown
        gate.reset()

    try:
        for round_ in range(MAX_TOOL_ROUNDS + 1):
            if round_ and not may_call_model(ctx.organization_id, ctx.model_budget,
                                             usage["cost_usd"]):
                usage.update(responder="offline", budget="exceeded")
                _emit(draft, on_delta)  # the tool round's text was already taken back
                return Generated(draft, usage, extra)
            seconds = _model_time()
            if seconds is not None and seconds < MIN_MODEL_SECONDS:
                raise LLMError("router", "timeout", "the turn's deadline is reached")
            request = GenerationRequest(system=system, messages=messages,
                                        tools=tools if round_ < MAX_TOOL_ROUNDS else [])
            result = run(generator, request, gate.feed, on_restart=restart,
                         **({} if seconds is None else {"timeout": seconds}))
            usage["input_tokens"] += result.usage.input_tokens
            usage["output_tokens"] += result.usage.output_tokens
            usage["cost_usd"] = round(usage["cost_usd"] + result.cost_usd, 6)
            usage["calls"] += 1
            usage.update(provider=result.provider, model=result.model,
                         latency_ms=round(result.latency_ms, 1))
            if result.failures:
                usage["fallback"] = result.failures
            if not result.tool_calls:
                break
            messages.append(ChatMessage(role="assistant", content=result.text,
                                        tool_calls=list(result.tool_calls)))
            contents = []
            for call in result.tool_calls:
                r = registry.invoke(ctx, call.name, call.arguments, caller="model",
                                    allowed=allowed)
                extra.append(r)
                payload = {"ok": r.ok, "data": r.data, "error": r.error}
                contents.append(ToolResultContent(tool_call_id=call.id,
                                                  content=render_data(call.name, payload),
                                                  is_error=not r.ok))
            messages.append(ChatMessage(role="user", tool_results=contents))
            restart()
            gate = guard.StreamGate(facts_of(action, results + extra, ctx),
                                    on_delta or (lambda piece: None))
    except LLMError as exc:
        logger.warning("LLM unavailable, offline reply: %s", exc)
        spent = {k: usage[k] for k in ("input_tokens", "output_tokens", "cost_usd", "calls")
                 if usage["calls"]}  # earlier rounds were paid for: they count
        usage = {"responder": "offline", "fallback_reason": str(exc)[:300], **spent}
        restart()
        _emit(draft, on_delta)
        return Generated(draft, usage, extra)
    reply = result.text.strip()
    all_facts = facts_of(action, results + extra, ctx)
    problem = guard.check(reply, all_facts, text) if reply else "empty reply"
    if problem:
        logger.warning("model reply refused by the grounding guard: %s", problem)
        usage["guard"] = problem
        usage["responder"] = "offline"
        restart()
        _emit(draft, on_delta)
        return Generated(draft, usage, extra)
    gate.finish()
    return Generated(reply, usage, extra)


def _model_time() -> float | None:
    """Seconds the model may take: what the turn's deadline leaves, less time to save."""
    left = deadline.remaining()
    return None if left is None else left - SAVE_RESERVE_SECONDS


def _emit(text: str, on_delta: Callable[[str], None] | None) -> None:
    if on_delta is not None:
        on_delta(text)


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)
