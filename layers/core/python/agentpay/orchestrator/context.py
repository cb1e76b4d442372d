"""What one turn knows and may change: loaded once, mutated by tools, saved once.

``conn`` has no transaction open while the turn runs (no lock is held while a model or a
payment provider is called): each statement a tool runs commits on its own. So a tool
changes the conversation only through this context (the cart, offers, the checkout in
``state``), which the turn's save writes whole or not at all; the rows a tool does write
(a quote, a checkout) stand alone and are harmless if the turn is never saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from agentpay.catalog import vocabulary
from agentpay.catalog.vocabulary import Vocabulary
from agentpay.config import Settings
from agentpay.limits.service import ModelBudget
from agentpay.orchestrator.negotiation import NegotiationRules, rules_of
from agentpay.orchestrator.shopping import ShoppingState

MAX_SHOWN = 10
EARLIER_LISTS = 2  # lists shown before the last one, newest first


def _ids(products: list[dict]) -> list[Any]:
    return [p.get("external_id") for p in products]


def back_to(state: dict[str, Any], oldest: bool) -> bool:
    """Show again a list shown before the last one: the oldest kept ("the very first one
    you showed me"), else the one before ("go back to the first one"). The list it
    replaces is kept in its place. False when there is none."""
    earlier = list(state.get("earlier_shown") or [])
    if not earlier or not state.get("last_shown"):
        return False
    index = len(earlier) - 1 if oldest else 0
    state["earlier_shown"] = earlier[:index] + [state["last_shown"]] + earlier[index + 1:]
    state["last_shown"] = earlier[index]
    state.pop("focus", None)
    return True


@dataclass
class TurnContext:
    conn: psycopg.Connection
    organization_id: UUID
    conversation_id: UUID
    agent: dict
    conversation: dict
    settings: Settings
    now: datetime
    history: list[dict] = field(default_factory=list)
    embedder: Any = None
    # mutable copies, written back in the turn's one save
    state: dict = field(default_factory=dict)
    negotiation: list[dict] = field(default_factory=list)
    hesitation: list[dict] = field(default_factory=list)
    status: str = "active"
    rules: NegotiationRules = field(default_factory=NegotiationRules)
    shopping: ShoppingState = field(default_factory=ShoppingState)
    # the store's vocabulary version read with the turn (None: read it with the terms)
    vocabulary_version: int | None = None
    # the organization's model spend today against its daily budget, read with the turn
    # (None: no budget applies, e.g. a turn built outside the conversation service)
    model_budget: ModelBudget | None = None
    _vocab: Vocabulary | None = None

    @classmethod
    def load(cls, conn: psycopg.Connection, organization_id: UUID, agent: dict,
             conversation: dict, history: list[dict], settings: Settings, now: datetime,
             embedder: Any = None, vocabulary_version: int | None = None) -> TurnContext:
        return cls(conn=conn, organization_id=organization_id,
                   conversation_id=conversation["id"], agent=agent, conversation=conversation,
                   settings=settings, now=now, history=history, embedder=embedder,
                   state=_copied(conversation.get("context") or {}),
                   negotiation=_copied(conversation.get("negotiation_history") or []),
                   hesitation=_copied(conversation.get("hesitation_signals") or []),
                   status=conversation.get("status") or "active", rules=rules_of(agent),
                   shopping=ShoppingState.of(conversation.get("context") or {}),
                   vocabulary_version=vocabulary_version)

    @property
    def vocab(self) -> Vocabulary:
        """The store's vocabulary: cached per process, reloaded when its version moved."""
        if self._vocab is None:
            self._vocab = vocabulary.for_store(self.conn, self.organization_id,
                                               self.vocabulary_version)
        return self._vocab

    @property
    def currency(self) -> str:
        return str((self.agent.get("config") or {}).get("currency") or "USD").upper()

    @property
    def last_shown(self) -> list[dict]:
        return self.state.get("last_shown") or []

    def show(self, products: list[dict]) -> None:
        """Remember what the shopper now sees, for "the second one" next turn, and the
        lists before it, for "go back to the very first one you showed me"."""
        before = self.state.get("last_shown") or []
        if products and before and _ids(products) != _ids(before):
            self.state["earlier_shown"] = ([before] + list(
                self.state.get("earlier_shown") or []))[:EARLIER_LISTS]
        self.state["last_shown"] = products[:MAX_SHOWN]
        if len(products) == 1:
            self.state["focus"] = products[0]
        elif products:
            self.state.pop("focus", None)

    def focus(self, product: dict) -> None:
        self.state["focus"] = product


def _copied(value: Any) -> Any:
    """A copy of JSON data (a conversation's stored state), three times as fast as
    ``copy.deepcopy``: the turn changes its own copy, never the row it read."""
    return json.loads(json.dumps(value, default=str))
