"""The decision layer's vocabulary: what the agent does with one shopper message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ActionType = Literal[
    "greet", "farewell", "acknowledge_thanks", "confirm_proposal", "acknowledge_decline",
    "search_products", "refine_search", "recommend_products", "show_product_details",
    "compare_products", "quote_price", "quote_named", "check_availability", "add_to_cart",
    "remove_from_cart", "show_cart", "create_checkout", "offer_discount", "hold_price",
    "select_product", "update_quantity", "answer_question",
    "answer_policy", "order_support", "account_support", "handoff_to_human",
    "handle_complaint", "ask_clarification", "out_of_scope",
]
ACTION_TYPES: tuple[str, ...] = ActionType.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ToolStep:
    name: str
    arguments: dict[str, Any]
    # run only when the step before succeeded: "make it white" takes the navy line out
    # only once the white one is in
    after_ok: bool = False


@dataclass
class Action:
    type: ActionType
    reason: str
    steps: list[ToolStep] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    # the question to ask when a needed detail is missing ("which size?")
    question: str | None = None
    # the stage this action moves the conversation towards (the stage table decides)
    stage: str | None = None
    # when the conversation shows the message meant something else than its words alone
    # ("only in size 9" right after a search refines the search): the intent to record
    intent: str | None = None

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "reason": self.reason}
        if self.params:
            out["params"] = self.params
        if self.question:
            out["question"] = self.question
        return out
