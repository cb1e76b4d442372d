"""The pricing policy on its own: steps, cap, floor, expiry, and fail-safe rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agentpay.kit.money import format_money, percent_of, to_minor
from agentpay.orchestrator import negotiation, stages
from agentpay.orchestrator.negotiation import NegotiationRules

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _offer(rules, history, base=10_000, trigger="hesitation", now=NOW):
    decision = negotiation.next_offer(rules, history, base, "USD", trigger, now)
    if decision.offer:
        history.append(decision.offer)
    return decision


def test_offers_step_up_to_the_cap_and_never_beyond():
    # GIVEN a cap of 15% in steps of 5%
    rules = NegotiationRules(max_discount_percent=15, discount_step_percent=5)
    history: list[dict] = []
    # WHEN the shopper keeps asking
    percents = [_offer(rules, history).offer["percent"] for _ in range(6)]
    # THEN the offers climb 5, 10, 15 and stay at 15
    assert percents == [5, 10, 15, 15, 15, 15]
    assert all(o["discount_minor"] <= 1500 for o in history)


def test_floor_is_stricter_than_the_cap():
    rules = NegotiationRules(max_discount_percent=30, discount_step_percent=10,
                             min_price_floor_percent=85)
    history: list[dict] = []
    percents = [_offer(rules, history).offer["percent"] for _ in range(4)]
    assert percents == [10, 15, 15, 15]
    assert rules.allowed_percent == 15


def test_no_discount_when_the_rules_allow_none():
    rules = NegotiationRules(max_discount_percent=0)
    decision = _offer(rules, [])
    assert decision.offer is None and decision.reason == "not_allowed"


def test_unknown_trigger_and_empty_base_give_nothing():
    rules = NegotiationRules()
    assert negotiation.next_offer(rules, [], 1000, "USD", "manager_said_so", NOW).offer is None
    assert negotiation.next_offer(rules, [], 0, "USD", "hesitation", NOW).reason == \
        "nothing_to_discount"


def test_an_expired_offer_restarts_the_ladder_and_gives_nothing_at_checkout():
    rules = NegotiationRules(max_discount_percent=20, discount_step_percent=10,
                             offer_ttl_minutes=30)
    history: list[dict] = []
    _offer(rules, history)
    later = NOW + timedelta(minutes=31)
    assert negotiation.active_offer(history, later) is None
    assert negotiation.apply_offer(rules, history[-1], 10_000, later) == (0, 0.0)
    assert _offer(rules, history, now=later).offer["percent"] == 10


def test_checkout_rechecks_an_offer_against_todays_rules():
    # GIVEN an offer of 20% recorded under looser rules
    generous = NegotiationRules(max_discount_percent=20, discount_step_percent=20)
    history: list[dict] = []
    _offer(generous, history)
    # WHEN the store tightens its cap to 5% before checkout
    strict = NegotiationRules(max_discount_percent=5)
    discount, percent = negotiation.apply_offer(strict, history[-1], 10_000, NOW)
    # THEN only 5% applies
    assert (discount, percent) == (500, 5.0)


@pytest.mark.parametrize("rules", [
    {"max_discount_percent": 150}, {"max_discount_percent": -5},
    {"discount_step_percent": 0}, {"max_discount_percent": "lots"},
])
def test_invalid_stored_rules_fail_safe_to_no_discount(rules):
    agent = {"rules": rules}
    assert negotiation.rules_of(agent).allowed_percent == 0


def test_money_rounding_favours_the_store():
    assert percent_of(999, 15) == 149  # 149.85 rounds down
    assert percent_of(1, 50) == 0
    assert to_minor(89.99, "USD") == 8999 and to_minor(1200, "JPY") == 1200
    assert format_money(129900, "USD") == "$1,299.00"
    assert format_money(1200, "JPY") == "¥1,200"
    assert format_money(4550, "PLN") == "45.50 PLN"


@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("discovery", "browsing", True), ("browsing", "consideration", True),
    ("consideration", "negotiation", True), ("negotiation", "checkout", True),
    ("checkout", "completed", True), ("discovery", "checkout", False),
    ("discovery", "completed", False), ("completed", "browsing", False),
    ("browsing", "discovery", False), ("abandoned", "browsing", True),
    ("checkout", "checkout", True),
])
def test_stage_transitions(current, target, allowed):
    assert stages.can_move(current, target) is allowed
    if allowed:
        assert stages.move(current, target) == target
    else:
        with pytest.raises(stages.InvalidTransition):
            stages.move(current, target)
        assert stages.advance(current, target) == current


def test_every_stage_has_a_row_and_unknown_stages_are_refused():
    assert set(stages.ALLOWED) == set(stages.STAGES)
    with pytest.raises(stages.InvalidTransition):
        stages.move("browsing", "teleported")
