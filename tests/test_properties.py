"""Property tests: the text pipeline never crashes on any text, entity spans always index
the text, money arithmetic keeps its promises, negotiation never exceeds the rules, and the
WebSocket frame handler always answers with a known frame."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agentpay.kit.money import _SYMBOLS, exponent, format_money, percent_of, to_minor
from agentpay.orchestrator.negotiation import NegotiationRules, apply_offer, next_offer
from agentpay.understanding.classifier import Classifier
from agentpay.understanding.entities import extract_entities
from agentpay.understanding.intents import INTENTS
from agentpay.understanding.rules import classify_rules
from agentpay_dev.catalog.shopper_query import parse_shopper_query, search_query

FAST = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

# --------------------------------------------------------------------------------------
# Any text a shopper (or an attacker) can type
# --------------------------------------------------------------------------------------

# Words the extractors look for, so generated text reaches prices, sizes, quantities...
SHOP_WORDS = [
    "under", "over", "between", "and", "around", "about", "budget", "max", "at least", "to",
    "$", "€", "£", "¥", "US$", "k", "dollars", "euros", "bucks", "usd", "-", "x", "qty:",
    "size", "eu", "us", "uk", "xl", "M", "10.5", "in", "red", "navy blue", "off-white",
    "shoes", "running shoes", "a pair of", "2", "three", "a dozen", "of those", "add", "it",
    "that one", "#", "order", "ORD-12345", "the second", "first", "cart", "checkout",
    "discount", "cheaper", "can you do", "%", "please", "?", "!", ",", ".", "1,299.99",
    "9" * 40, "9" * 400, "1e308", "0", "00", "0.0001", "1,000,000,000,000,000,000,000",
]
_EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
_CONTROL = st.characters(max_codepoint=0x1F)
_SCRIPTS = st.sampled_from(["déjà vu", "Straße", "ÆØÅ", "кроссовки", "σκούφος", "靴", "シューズ",
                            "신발", "حذاء", "נעליים", "जूते", "รองเท้า", "İstanbul", "ﬁ", "\u200b",
                            "\u202e", "\ufeff", "a\u0301", "Ⅻ", "①②", "٣٤٥", "१२३"])
_PIECE = st.one_of(st.sampled_from(SHOP_WORDS), _SCRIPTS, st.text(max_size=6),
                   st.text(_EMOJI, max_size=3), st.text(_CONTROL, max_size=2),
                   st.integers(-10**12, 10**12).map(str))
shop_text = st.lists(_PIECE, max_size=25).flatmap(
    lambda parts: st.sampled_from([" ", "", "  ", "\n"]).map(lambda sep: sep.join(parts)))
binary_text = st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
long_text = st.tuples(st.one_of(shop_text, st.text(max_size=20)), st.integers(50, 400)).map(
    lambda t: (t[0] or "a") * t[1])
surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1,
                     max_size=3).map(lambda s: f"shoes {s} under $50")
any_text = st.one_of(st.text(max_size=200), shop_text, binary_text, long_text, surrogates,
                     st.text(st.characters(codec="utf-8"), max_size=100))


def _check_entities(text: str, entities: list[dict]) -> None:
    for e in entities:
        assert 0 <= e["start"] <= e["end"] <= len(text), e
        assert text[e["start"]:e["end"]] == e["text"], e
        assert isinstance(e["type"], str)
    # entities are stored as jsonb and sent to widgets: strict JSON (no NaN/Infinity)
    json.dumps(entities, allow_nan=False)


@FAST
@given(text=any_text, currency=st.sampled_from(["USD", "EUR", "JPY", "gbp", "", "XXX"]))
@example(text="shoes under $" + "9" * 400, currency="USD")  # was an infinite price
@example(text="around " + "9" * 320 + " dollars", currency="EUR")
def test_entities_never_crash_and_spans_index_the_text(text, currency):
    # GIVEN any text WHEN entities are extracted THEN every span is a slice of the text
    entities = extract_entities(text, {"currency": currency})
    _check_entities(text, entities)
    starts = [e["start"] for e in entities]
    assert starts == sorted(starts)


@FAST
@given(text=any_text)
def test_rules_classifier_always_names_a_known_intent(text):
    result = classify_rules(text)
    assert result.intent in INTENTS
    assert 0.0 <= result.confidence <= 1.0


@FAST
@given(text=any_text)
def test_classifier_without_embedder_never_crashes(text):
    understanding = Classifier(embedder=None).classify(text, {"currency": "USD"})
    assert understanding.intent in INTENTS
    assert understanding.source == "rules"
    _check_entities(text, understanding.entities)


@FAST
@given(text=any_text)
def test_search_query_is_short_clean_text(text):
    # GIVEN any text and its entities WHEN the engine builds its search words
    query = search_query(text, extract_entities(text))
    # THEN they are a bounded, NUL-free, single-spaced string
    assert isinstance(query, str) and len(query) <= 300
    assert "\x00" not in query and "  " not in query


@FAST
@given(text=any_text, currency=st.sampled_from(["USD", "EUR", "JPY"]))
@example(text="between $5 and $" + "9" * 400, currency="USD")  # was OverflowError
def test_shopper_query_filters_are_sane(text, currency):
    query, filters = parse_shopper_query(text, currency)
    assert isinstance(query, str)
    for bound in (filters.price_min, filters.price_max):
        assert bound is None or (isinstance(bound, int) and bound >= 0)
    if filters.price_min is not None and filters.price_max is not None:
        assert filters.price_min <= filters.price_max


# --------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------

amounts = st.integers(min_value=-10**15, max_value=10**15)
percents = st.one_of(st.floats(min_value=0, max_value=100, allow_nan=False),
                     st.integers(0, 10_000).map(lambda n: n / 100),
                     st.sampled_from([0.005, 0.006, 0.009, 10.009, 12.345, 33.333333333333336,
                                      99.999, 1e-300, 5e-324]))
currencies = st.one_of(st.sampled_from(sorted(_SYMBOLS) + ["JPY", "KRW", "xof", "usd"]),
                       st.text(max_size=6))


@FAST
@given(minor=amounts, percent=percents)
@example(minor=2682, percent=1.375)  # round(137.5) made it 138 hundredths: 37 > 36.88
@example(minor=100_000, percent=0.006)
def test_percent_of_never_exceeds_the_percentage_nor_goes_negative(minor, percent):
    # the percentage as written (rules are decimals in JSON), exactly
    exact = Fraction(repr(percent))
    discount = percent_of(minor, percent)
    assert isinstance(discount, int) and discount >= 0
    if minor > 0:
        assert discount * 100 <= minor * exact
        # rounded down to whole hundredths of a percent and whole minor units, no further
        assert discount * 10_000 > minor * math.floor(exact * 100) - 10_000
    else:
        assert discount == 0


@FAST
@given(minor=st.integers(min_value=-10**30, max_value=10**30), currency=currencies)
def test_format_money_round_trips_the_digits(minor, currency):
    text = format_money(minor, currency)
    code = currency.upper()
    sign = "-" if minor < 0 else ""
    symbol = _SYMBOLS.get(code)
    assert text.startswith(sign + (symbol or ""))
    number = text[len(sign + (symbol or "")):]
    if symbol is None:
        assert number.endswith(" " + code)
        number = number[:-len(code) - 1]
    places = exponent(code)
    whole, _, frac = number.partition(".")
    assert len(frac) == places
    assert int(whole.replace(",", "") + frac) == abs(minor)
    assert whole == f"{abs(minor) // 10 ** places:,}"


@FAST
@given(amount=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       currency=currencies)
def test_to_minor_is_the_nearest_minor_unit(amount, currency):
    minor = to_minor(amount, currency)
    scale = 10 ** exponent(currency)
    assert isinstance(minor, int)
    assert abs(minor - amount * scale) <= 0.5 + 1e-6 * max(1.0, abs(amount * scale))


# --------------------------------------------------------------------------------------
# Negotiation
# --------------------------------------------------------------------------------------

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@st.composite
def rules(draw) -> NegotiationRules:
    cap = draw(st.floats(min_value=0, max_value=90, allow_nan=False))
    floor = draw(st.one_of(st.none(), st.floats(min_value=10, max_value=100, allow_nan=False)))
    return NegotiationRules(
        max_discount_percent=cap,
        discount_step_percent=draw(st.floats(min_value=0.001, max_value=90, allow_nan=False)),
        min_price_floor_percent=floor,
        offer_ttl_minutes=draw(st.integers(1, 7 * 24 * 60)))


history_items = st.fixed_dictionaries(
    {"kind": st.sampled_from(["offer", "offer", "note", "refusal"]),
     "percent": st.one_of(st.floats(min_value=0, max_value=100, allow_nan=False),
                          st.integers(0, 100)),
     "expires_at": st.integers(-120, 120).map(
         lambda m: (NOW + timedelta(minutes=m)).isoformat())})


@FAST
@given(r=rules(), history=st.lists(history_items, max_size=6),
       base=st.integers(min_value=-100, max_value=10**12),
       trigger=st.sampled_from(["discount_request", "hesitation", "threat"]),
       steps=st.integers(1, 6))
def test_offers_never_exceed_the_allowed_percent(r, history, base, trigger, steps):
    # GIVEN any valid rules and any history, even offers recorded under looser rules
    history = list(history)
    for _ in range(steps):
        # WHEN the shopper keeps asking
        decision = next_offer(r, history, base, "USD", trigger, NOW)
        if decision.offer is None:
            break
        offer = decision.offer
        # THEN no offer, new or renewed, goes beyond what the rules allow now...
        allowed = r.allowed_percent
        assert 0 <= offer["percent"] <= allowed
        assert 0 <= offer["discount_minor"] <= base
        assert offer["total_minor"] == base - offer["discount_minor"]
        # ...and checkout applies at most the allowed percent
        for subtotal in (base, base * 3 + 1):
            discount, percent = apply_offer(r, offer, subtotal, NOW)
            assert 0 <= percent <= allowed
            assert 0 <= discount <= max(0, subtotal)
            assert discount * 100 <= max(0, subtotal) * Fraction(repr(float(allowed)))
        history.append(offer)


def test_an_offer_made_under_looser_rules_is_renewed_at_todays_ceiling():
    # GIVEN a live 50 % offer, and rules since tightened to 10 %
    tightened = NegotiationRules(max_discount_percent=10, discount_step_percent=5)
    history = [{"kind": "offer", "percent": 50.0,
                "expires_at": (NOW + timedelta(minutes=5)).isoformat()}]
    # WHEN the shopper asks again
    decision = next_offer(tightened, history, 10_000, "USD", "discount_request", NOW)
    # THEN the renewed offer says 10 %, not 50 % (which checkout would not honour anyway)
    assert decision.reason == "at_limit"
    assert decision.offer["percent"] == 10
    assert decision.offer["total_minor"] == 9_000


@FAST
@given(r=rules(), item=history_items, subtotal=st.integers(-10, 10**12))
def test_a_recorded_offer_never_gives_more_than_the_rules_allow(r, item, subtotal):
    discount, percent = apply_offer(r, item, subtotal, NOW)
    assert 0 <= percent <= r.allowed_percent
    assert 0 <= discount <= max(0, subtotal)


# --------------------------------------------------------------------------------------
# The WebSocket frame handler
# --------------------------------------------------------------------------------------

KNOWN_FRAMES = {"error", "pong", "typing", "agent_typing", "agent_message_delta",
                "agent_message_reset", "user_message", "agent_message", "resumed"}


class _Gone(Exception):
    pass


class _FakeManagementApi:
    """The `@connections` client: records what each connection was sent."""

    class exceptions:  # boto3 spells it so
        GoneException = _Gone

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def post_to_connection(self, ConnectionId: str, Data: bytes) -> None:
        self.sent.append((ConnectionId, json.loads(Data)))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10)
frames = st.fixed_dictionaries(
    {"action": st.one_of(st.sampled_from(["ping", "typing", "message", "resume", "dance", "",
                                          "MESSAGE", "x" * 40]), json_values)},
    optional={"content": st.one_of(any_text, json_values),
              "after_seq": st.one_of(st.integers(min_value=-10, max_value=10**30), json_values),
              "client_message_id": st.one_of(st.text(max_size=140), json_values)})
frame_bodies = st.one_of(
    frames.map(json.dumps),
    any_text,
    json_values.map(json.dumps),
    st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 200_000).map(lambda n: '{"action": "ping", "x": ' + "[" * n + "]" * n + "}"),
    st.sampled_from(["", "null", "{}", '{"action": null}', "NaN", '{"action": "ping"}' * 2,
                     json.dumps({"action": "message", "content": "😀" * 4000}),
                     json.dumps({"action": "message", "content": "\x01" * 4000}),
                     json.dumps({"action": "message", "content": "hi \ud800"}),
                     json.dumps({"action": "resume", "after_seq": 10**30}),
                     json.dumps({"action": "message", "content": "ok", "client_message_id": ""})]),
)


@pytest.fixture
def ws_connection(db, make_tenant, make_agent, make_conversation, settings, monkeypatch):
    from agentpay.realtime import service

    for name in ("rate_limit_key_per_minute", "rate_limit_conversation_per_minute",
                 "rate_limit_frames_per_minute"):  # 63 frames in seconds: not a flood here
        if hasattr(settings, name):
            monkeypatch.setattr(settings, name, 0)
    created = make_conversation(make_agent(make_tenant("WS Store")))
    assert service.connect(db, "prop-tab=", created["token"]).status_code == 200
    return "prop-tab="


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(body=frame_bodies)
@example(body="[" * 100_000 + "]" * 100_000)  # RecursionError in json.loads
@example(body=json.dumps({"action": "message", "content": "red " * 1000}))  # 77 KB entities
@example(body=json.dumps({"action": "message", "content": "😀" * 4000}))  # 48 KB escaped
def test_any_frame_gets_an_answer_of_a_known_type(db, settings, ws_connection, body):
    from agentpay.realtime.broadcast import Broadcaster
    from agentpay.realtime.service import handle_frame

    # GIVEN a live connection and a broadcaster that enforces the 32 KB frame limit
    api = _FakeManagementApi()
    broadcaster = Broadcaster(api)
    # WHEN any body arrives
    outcome = handle_frame(db, broadcaster, settings, ws_connection, body)
    # THEN the handler answers the sender with frames of known types, never raising
    assert outcome.status_code == 200
    assert {frame.get("type") for _, frame in api.sent} <= KNOWN_FRAMES
    if not _is_typing(body):  # typing is relayed to the other tabs, never answered
        assert any(connection == ws_connection for connection, _ in api.sent), body[:200]


def _is_typing(body: str) -> bool:
    try:
        frame = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(frame, dict) and frame.get("action") == "typing"
