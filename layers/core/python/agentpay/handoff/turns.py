"""What a turn does about a held conversation: the webhook of the turn that hands it to a
person, and the answer to a shopper's message while a person holds it. Imported by the
turn (conversations.service), so it imports nothing of it."""

from __future__ import annotations

from agentpay.config import Settings
from agentpay.orchestrator import cart
from agentpay.orchestrator.shopping import ShoppingState
from agentpay.webhooks.service import Event, event

HANDOFF_EVENT = "conversation.handoff"
TRANSCRIPT_MESSAGES = 10


def handoff_event(conversation: dict, status_before: str, status_after: str,
                  context: dict, history: list[dict], shopper_message: str,
                  reply: str, settings: Settings) -> Event | None:
    """The ``conversation.handoff`` webhook of a turn that handed the conversation to a
    person, or None for any other turn."""
    if status_after != "handoff" or status_before == "handoff":
        return None
    cid = conversation["id"]
    recent = [{"role": m["role"], "content": m["content"]}
              for m in history[-(TRANSCRIPT_MESSAGES - 2):] if m.get("content")]
    recent += [{"role": "user", "content": shopper_message},
               {"role": "assistant", "content": reply}]
    base = settings.public_base_url.rstrip("/") + f"/v1/agent/conversations/{cid}"
    handoff = context.get("handoff") or {}
    return event(HANDOFF_EVENT, {
        "conversation_id": str(cid), "agent_id": str(conversation["agent_id"]),
        "session_id": conversation["session_id"], "reason": handoff.get("reason"),
        "stage": conversation.get("stage"), "customer": conversation.get("customer") or {},
        "shopper_message": shopper_message, "recent_messages": recent,
        "cart": cart.summary(context),
        "links": {"messages": f"{base}/messages",
                  "operator_messages": f"{base}/operator-messages",
                  "release": f"{base}/release"}})


def held_exchange(message: dict, conversation: dict) -> dict:
    """What a shopper's message returns while a person holds the conversation."""
    context = conversation.get("context") or {}
    return {"message": message, "reply": None, "conversation": conversation,
            "replayed": False, "held": True, "products": [], "cart": cart.summary(context),
            "state": ShoppingState.of(context).model_dump()}
