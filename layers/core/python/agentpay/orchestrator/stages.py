"""The conversation's sales stage and the transitions a conversation may take.

Why a table: analytics and the agent's behaviour (when to offer, when to push the
checkout link) read the stage, so a jump backwards to "discovery" or out of "completed"
would corrupt both. Staying put is always allowed.
"""

from __future__ import annotations

from typing import Final

STAGES: Final = ("discovery", "browsing", "consideration", "negotiation", "checkout",
                 "completed", "abandoned")

_SHOPPING = frozenset({"browsing", "consideration", "negotiation", "checkout"})

ALLOWED: Final[dict[str, frozenset[str]]] = {
    "discovery": frozenset({"browsing", "consideration", "abandoned"}),
    "browsing": _SHOPPING | {"abandoned"},
    "consideration": _SHOPPING | {"abandoned"},
    "negotiation": _SHOPPING | {"abandoned"},
    # only a paid order (a webhook) completes; a shopper may keep shopping after a link
    "checkout": _SHOPPING | {"completed", "abandoned"},
    "completed": frozenset(),
    # a shopper who comes back revives the conversation where they were
    "abandoned": frozenset({"browsing", "consideration"}),
}


class InvalidTransition(ValueError):
    pass


def can_move(current: str, target: str) -> bool:
    return current == target or target in ALLOWED.get(current, frozenset())


def move(current: str, target: str) -> str:
    """The new stage, or InvalidTransition."""
    if target not in STAGES:
        raise InvalidTransition(f"unknown stage {target!r}")
    if not can_move(current, target):
        raise InvalidTransition(f"cannot move from {current} to {target}")
    return target


def advance(current: str, target: str | None) -> str:
    """Move when allowed, else stay: the engine's actions propose, the table disposes."""
    if target is None or not can_move(current, target):
        return current
    return target
