"""The reply step behind `send_message`.

The conversation engine (understanding, tools, generation) plugs in here through the
`Responder` protocol. Until it lands, `GreetingResponder` gives a short reply in the
agent's voice: grounded only on the agent's own configuration, never on invented
products or prices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

_GREETING = re.compile(r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening))\b", re.I)


@dataclass
class Reply:
    content: str
    intent: str | None = None
    intent_confidence: float | None = None
    intent_source: str | None = None
    entities: list[Any] = field(default_factory=list)
    tool_calls: list[Any] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None


class Responder(Protocol):
    def respond(self, agent: dict, conversation: dict, history: list[dict],
                content: str) -> Reply: ...


class GreetingResponder:
    def respond(self, agent: dict, conversation: dict, history: list[dict],
                content: str) -> Reply:
        personality = agent.get("personality") or {}
        name = agent["name"]
        if _GREETING.match(content) or not history:
            greeting = personality.get("greeting") or (
                f"Hi, I'm {name}. Tell me what you're looking for and I'll help you find it."
            )
            return Reply(content=str(greeting), intent="greeting" if _GREETING.match(content)
                         else None, intent_source="rules" if _GREETING.match(content) else None,
                         intent_confidence=1.0 if _GREETING.match(content) else None)
        return Reply(
            content=(
                f"Thanks, I've noted that. I'm {name}, and I can help you look for products, "
                "compare them and check out."
            )
        )


_responder: Responder = GreetingResponder()


def get_responder() -> Responder:
    return _responder


def set_responder(responder: Responder) -> None:
    global _responder
    _responder = responder
