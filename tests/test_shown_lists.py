"""The lists a shopper was shown: the one on screen, and up to two before it, so "go back to
the very first one you showed me" can point into an earlier one (orchestrator/context.py)."""

from __future__ import annotations

from types import SimpleNamespace

from agentpay.orchestrator.context import EARLIER_LISTS, TurnContext, back_to


def _list(*ids: str) -> list[dict]:
    return [{"external_id": i} for i in ids]


def _shown(*lists: list[dict]) -> dict:
    ctx = SimpleNamespace(state={})
    for products in lists:
        TurnContext.show(ctx, products)
    return ctx.state


def test_earlier_lists_are_kept_newest_first_and_at_most_two():
    state = _shown(_list("a1", "a2"), _list("b1"), _list("c1", "c2"), _list("d1"))
    assert [p["external_id"] for p in state["last_shown"]] == ["d1"]
    assert [[p["external_id"] for p in lst] for lst in state["earlier_shown"]] == [
        ["c1", "c2"], ["b1"]]
    assert len(state["earlier_shown"]) == EARLIER_LISTS


def test_the_same_list_shown_again_is_not_kept_twice():
    state = _shown(_list("a1", "a2"), _list("a1", "a2"))
    assert "earlier_shown" not in state


def test_going_back_shows_the_oldest_or_the_one_before_and_keeps_the_one_replaced():
    state = _shown(_list("a1"), _list("b1"), _list("c1"))
    assert back_to(state, oldest=True)
    assert [p["external_id"] for p in state["last_shown"]] == ["a1"]
    assert [[p["external_id"] for p in lst] for lst in state["earlier_shown"]] == [
        ["b1"], ["c1"]]
    assert back_to(state, oldest=False)
    assert [p["external_id"] for p in state["last_shown"]] == ["b1"]


def test_nothing_to_go_back_to():
    state = _shown(_list("a1"))
    assert not back_to(state, oldest=True)
    assert [p["external_id"] for p in state["last_shown"]] == ["a1"]
