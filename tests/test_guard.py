"""The grounding guard: a model's reply may quote only this turn's facts."""

from __future__ import annotations

from agentpay.orchestrator import guard

FACTS = {"tool_results": [{"data": {"products": [
    {"name": "Trail Shoe", "price": "$129.00", "price_minor": 12900},
    {"name": "Road Shoe", "price": "$1,299.00", "price_minor": 129900}]}}],
    "cart": {"lines": [], "subtotal_minor": 0},
    "checkout": {"url": "http://127.0.0.1:8000/checkout/abc.def", "total_minor": 11610},
    "offer": {"percent": 10.0}}


def test_grounded_reply_passes():
    reply = ("The Trail Shoe is $129.00 and the Road Shoe $1,299.00; with 10% off you pay "
             "$116.10 here: http://127.0.0.1:8000/checkout/abc.def.")
    assert guard.check(reply, FACTS) is None


def test_invented_price_percentage_or_link_is_caught():
    assert guard.check("Today only: $19.99!", FACTS).startswith("unknown amount")
    assert guard.check("I can do 50% off.", FACTS).startswith("unknown percentage")
    assert guard.check("Pay at https://evil.example/pay", FACTS) == "unknown link"
    assert guard.check("That is 99 dollars.", FACTS).startswith("unknown amount")
