"""The task file: one JSON object a line, validated before anything runs.

A typo in a task (an unknown key, a turn that does not exist, a regex that does not
compile) is an error with its line number, not a check that silently never holds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

StrOrList = str | list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regex: {exc}") from None
    return value


class Match(_Strict):
    """A product constraint; every key present must hold."""

    category: StrOrList | None = None
    product_type: StrOrList | None = None
    brand: StrOrList | None = None
    gender: StrOrList | None = None
    name_regex: str | None = None
    text_regex: str | None = None
    attrs: dict[str, Any] | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    size: StrOrList | None = None
    color: str | None = None

    @field_validator("name_regex", "text_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _compiles(value)

    def describe(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), ensure_ascii=False)


class ShownAmong(_Strict):
    """The products shown in turn `shown` (the first `top` of them)."""

    shown: int
    top: Annotated[int, Field(ge=1)] | None = None


Among = Literal["catalog"] | ShownAmong


class ShownRef(_Strict):
    """The `rank`-th product shown in turn `shown`."""

    shown: int
    rank: Annotated[int, Field(ge=1)]


class CartRef(_Strict):
    """The last cart line (matching `cart`)."""

    cart: Match


class SelectRef(_Strict):
    """The `nth` cheapest (most expensive) in-stock candidate."""

    select: Literal["cheapest", "most_expensive"]
    nth: Annotated[int, Field(ge=1)] = 1
    match: Match = Match()
    among: Among = "catalog"


class MatchRef(_Strict):
    """The first in-stock candidate."""

    match: Match
    among: Among = "catalog"


# "focus" (the agent's own context.focus) is read but no task should use it: it would let
# the agent grade itself.
Reference = Literal["cart", "focus"] | ShownRef | CartRef | SelectRef | MatchRef


class CartHas(_Strict):
    kind: Literal["cart_has"]
    match: Match = Match()
    quantity: Annotated[int, Field(ge=1)] | None = None
    min_quantity: Annotated[int, Field(ge=1)] | None = None
    turn: int | None = None
    select: Literal["cheapest", "most_expensive"] | None = None
    among: Among = "catalog"
    same_as: Reference | None = None


class CartLacks(_Strict):
    kind: Literal["cart_lacks"]
    match: Match
    turn: int | None = None


class CartCount(_Strict):
    kind: Literal["cart_count"]
    lines: Annotated[int, Field(ge=0)] | None = None
    items: Annotated[int, Field(ge=0)] | None = None
    turn: int | None = None


class CartEmpty(_Strict):
    kind: Literal["cart_empty"]
    turn: int | None = None


class CheckoutCreated(_Strict):
    kind: Literal["checkout_created"]
    turn: int | None = None


class CheckoutTotal(_Strict):
    kind: Literal["checkout_total"]
    discount: Literal["none", "some"] | None = None
    turn: int | None = None


class NoPriceBelowRules(_Strict):
    kind: Literal["no_price_below_rules"]


class ShownMatches(_Strict):
    kind: Literal["shown_matches"]
    turn: int
    match: Match
    min: Annotated[int, Field(ge=1)] = 1
    top1: bool = True
    top: Annotated[int, Field(ge=1)] | None = None


Fact = Literal["price", "sizes", "colors", "material", "brand", "name", "attr", "attr_value",
               "cart_subtotal", "policy"]
PRODUCT_FACTS = {"price", "sizes", "colors", "material", "brand", "name", "attr", "attr_value"}


class ReplyMentions(_Strict):
    kind: Literal["reply_mentions"]
    turn: int
    fact: Fact
    ref: Reference | None = None
    min: Annotated[int, Field(ge=1)] | None = None  # sizes (default 3), colors (default 2)
    attr: str | None = None                         # attr, attr_value
    word: str | None = None                         # attr: the word for it (default: attr)
    topic: str | None = None                        # policy: regex of the topic
    key: str | None = None                          # policy: regex of what must be said

    @field_validator("topic", "key")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _compiles(value)


class ReplyMatches(_Strict):
    kind: Literal["reply_matches"]
    turn: int
    regex: str | None = None
    not_regex: str | None = None

    @field_validator("regex", "not_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        return _compiles(value)


class NoCheckout(_Strict):
    kind: Literal["no_checkout"]


Check = Annotated[CartHas | CartLacks | CartCount | CartEmpty | CheckoutCreated
                  | CheckoutTotal | NoPriceBelowRules | ShownMatches | ReplyMentions
                  | ReplyMatches | NoCheckout, Field(discriminator="kind")]


class Task(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)]
    goal: str
    turns: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    checks: Annotated[list[Check], Field(min_length=1)]


class TaskFileError(ValueError):
    pass


def load_tasks(path: Path, ids: set[str] | None = None) -> list[Task]:
    """Every task of the file (those in `ids` when given), in file order."""
    tasks: list[Task] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            task = Task.model_validate_json(line)
        except ValidationError as exc:
            raise TaskFileError(f"{path}:{number}: {exc}") from None
        problems = turn_problems(task)
        if problems:
            raise TaskFileError(f"{path}:{number}: task {task.id}: " + "; ".join(problems))
        if any(t.id == task.id for t in tasks):
            raise TaskFileError(f"{path}:{number}: task id {task.id} repeated")
        tasks.append(task)
    if ids is not None:
        unknown = ids - {t.id for t in tasks}
        if unknown:
            raise TaskFileError(f"{path}: no task {', '.join(sorted(unknown))}")
        tasks = [t for t in tasks if t.id in ids]
    return tasks


def turn_problems(task: Task) -> list[str]:
    """Turn numbers that name no turn of the task (1..n, or -n..-1 from the end)."""
    n = len(task.turns)
    found = []
    for check in task.checks:
        for turn in _turns_named(check):
            if turn is not None and not (1 <= turn <= n or -n <= turn <= -1):
                found.append(f"{check.kind} names turn {turn} of {n}")
    return found


def _turns_named(check: BaseModel) -> list[int | None]:
    named: list[int | None] = [getattr(check, "turn", None)]
    for ref in (getattr(check, "ref", None), getattr(check, "same_as", None)):
        if isinstance(ref, ShownRef):
            named.append(ref.shown)
        if isinstance(ref, SelectRef | MatchRef) and isinstance(ref.among, ShownAmong):
            named.append(ref.among.shown)
    among = getattr(check, "among", None)
    if isinstance(among, ShownAmong):
        named.append(among.shown)
    return named
