"""The hybrid classifier: which layer decides, what it records, the semantic fallback,
the LLM fallback (fake client, no network) and the `agentpay classify` I/O."""

from __future__ import annotations

import io
import json
import zlib
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from agentpay.understanding import classifier as clf_mod
from agentpay.understanding.classifier import Classifier, Understanding, classify, configure
from agentpay.understanding.intents import INTENTS, UNKNOWN
from agentpay.understanding.llm import AnthropicIntentLLM, default_llm
from agentpay.understanding.semantic import SemanticClassifier
from agentpay_dev.understanding.commands import run_classify


class TinyHashingEmbedder:
    """Character 3-grams hashed into 384 buckets: enough to tell paraphrases apart in a
    test, with no model and no network."""

    name = "test-hashing"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            t = f"  {text.lower()}  "
            for i in range(len(t) - 2):
                out[row, zlib.crc32(t[i:i + 3].encode()) % 384] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


class FakeSemantic:
    """Stands in for the semantic layer and records what it was asked."""

    def __init__(self, intent: str, confidence: float) -> None:
        self.answer = SimpleNamespace(intent=intent, confidence=confidence)
        self.calls: list[tuple[str, Any]] = []

    def classify(self, text: str, prior: Any = None) -> Any:
        self.calls.append((text, prior))
        return self.answer


class FakeLLM:
    def __init__(self, intent: str = "recommendation", confidence: float = 0.8,
                 error: Exception | None = None) -> None:
        self.intent, self.confidence, self.error = intent, confidence, error
        self.calls: list[str] = []

    def classify(self, text: str, intents: Any) -> tuple[str, float]:
        self.calls.append(text)
        assert tuple(intents) == INTENTS
        if self.error:
            raise self.error
        return self.intent, self.confidence


CLEAR = "where is order 1135426?"      # rules decide at >= 0.9
VAGUE = "zorblax quintessential"         # rules can only guess


# ---- routing ---------------------------------------------------------------------------

def test_confident_rules_decide_alone() -> None:
    semantic, llm = FakeSemantic("greeting", 0.99), FakeLLM()
    result = Classifier(semantic=semantic, llm=llm).classify(CLEAR)
    assert (result.intent, result.source) == ("order_status", "rules")
    assert result.confidence >= 0.9
    assert semantic.calls == [] and llm.calls == []


def test_low_confidence_rules_go_to_semantic_with_their_guess_as_prior() -> None:
    semantic = FakeSemantic("product_search", 0.93)
    result = Classifier(semantic=semantic, llm=FakeLLM()).classify(VAGUE)
    assert (result.intent, result.confidence, result.source) == ("product_search", 0.93,
                                                                 "semantic")
    [(text, prior)] = semantic.calls
    assert text == VAGUE and prior[0] in INTENTS and prior[1] < 0.9


def test_llm_is_consulted_only_below_the_semantic_threshold() -> None:
    confident, llm = FakeSemantic("unknown", 0.95), FakeLLM()
    assert Classifier(semantic=confident, llm=llm).classify(VAGUE).source == "semantic"
    assert llm.calls == []

    unsure = FakeSemantic("unknown", 0.4)
    result = Classifier(semantic=unsure, llm=llm, semantic_threshold=0.7).classify(VAGUE)
    assert (result.intent, result.confidence, result.source) == ("recommendation", 0.8, "llm")
    assert llm.calls == [VAGUE]


def test_a_failing_or_off_contract_llm_keeps_the_semantic_answer() -> None:
    unsure = FakeSemantic("thanks", 0.3)
    broken = Classifier(semantic=unsure, llm=FakeLLM(error=TimeoutError("slow")))
    assert (broken.classify(VAGUE).intent, broken.classify(VAGUE).source) == ("thanks",
                                                                             "semantic")
    rogue = Classifier(semantic=unsure, llm=FakeLLM(intent="buy_everything"))
    assert rogue.classify(VAGUE).source == "semantic"


def test_without_fallbacks_the_rule_guess_stands() -> None:
    result = Classifier().classify(VAGUE)
    assert result.source == "rules" and result.confidence < 0.9


def test_rule_threshold_is_configurable() -> None:
    semantic = FakeSemantic("order_status", 0.88)
    result = Classifier(semantic=semantic, rule_threshold=0.999).classify(CLEAR)
    assert result.source == "semantic" and len(semantic.calls) == 1


def test_empty_message_is_unknown() -> None:
    assert Classifier().classify("   ").intent == UNKNOWN


def test_understanding_carries_entities_and_a_bounded_confidence() -> None:
    u = Classifier().classify("I need running shoes under $150")
    assert isinstance(u, Understanding)
    assert u.intent == "product_search" and 0.0 <= u.confidence <= 1.0
    assert {e["type"] for e in u.entities} >= {"product_type", "price_max"}
    assert set(u.as_dict()) == {"intent", "confidence", "source", "entities"}


def test_context_resolves_references() -> None:
    u = Classifier().classify("add the second one to my cart", {"last_shown": ["a", "b"]})
    assert u.intent == "add_to_cart"
    [ref] = [e for e in u.entities if e["type"] == "reference"]
    assert ref["resolved"] == "b"


def test_module_level_classify_uses_the_configured_classifier() -> None:
    semantic = FakeSemantic("affirm", 0.9)
    configure(Classifier(semantic=semantic))
    try:
        assert classify(VAGUE).intent == "affirm"
    finally:
        configure(None)


def test_default_embedder_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTPAY_INTENT_EMBEDDER", "none")
    assert clf_mod.default_embedder() is None


# ---- semantic layer --------------------------------------------------------------------

EXEMPLARS = {
    "shipping_info": ["how long does delivery take", "when will shipping arrive"],
    "returns_refunds": ["can i return this item", "i want a refund for my purchase"],
    "unknown": ["what is the weather like today", "play some music for me"],
}


def test_semantic_matches_paraphrases_and_embeds_exemplars_once(tmp_path: Any) -> None:
    embedder = TinyHashingEmbedder()
    sem = SemanticClassifier(embedder, EXEMPLARS, k=1, unknown_threshold=0.2,
                             cache_dir=tmp_path)
    assert sem.classify("how long does the delivery take?").intent == "shipping_info"
    assert sem.classify("i want a refund for this purchase").intent == "returns_refunds"
    assert embedder.calls == 3  # exemplars once, then one call per message


def test_semantic_answers_unknown_below_the_floor_and_for_out_of_scope_neighbours(
        tmp_path: Any) -> None:
    sem = SemanticClassifier(TinyHashingEmbedder(), EXEMPLARS, k=1, unknown_threshold=0.6,
                             cache_dir=tmp_path)
    far = sem.classify("xq zzv kkp")
    assert far.intent == UNKNOWN and far.similarity < 0.6
    assert sem.classify("what is the weather like tomorrow").intent == UNKNOWN


def test_semantic_prior_tips_a_near_tie(tmp_path: Any) -> None:
    sem = SemanticClassifier(TinyHashingEmbedder(), EXEMPLARS, k=1, unknown_threshold=0.0,
                             prior_weight=0.5, cache_dir=tmp_path)
    scores = {"shipping_info": 0.50, "returns_refunds": 0.48, "unknown": 0.1}
    assert sem.decide(scores).intent == "shipping_info"
    assert sem.decide(scores, prior=("returns_refunds", 0.8)).intent == "returns_refunds"


def test_exemplar_vectors_are_cached_on_disk_per_embedder(tmp_path: Any) -> None:
    first = TinyHashingEmbedder()
    SemanticClassifier(first, EXEMPLARS, cache_dir=tmp_path).warm()
    assert list(tmp_path.glob("intent-exemplars-test-hashing-*.npy"))
    second = TinyHashingEmbedder()
    SemanticClassifier(second, EXEMPLARS, cache_dir=tmp_path).warm()
    assert second.calls == 0


def test_semantic_settings_follow_the_embedder_family() -> None:
    minilm = SemanticClassifier(SimpleNamespace(name="minilm-l6-v2", embed=None))
    hashing = SemanticClassifier(SimpleNamespace(name="hashing-v1", embed=None))
    assert minilm.prior_weight < hashing.prior_weight
    assert SemanticClassifier(SimpleNamespace(name="x", embed=None), k=5).k == 5


def test_project_exemplars_cover_every_intent() -> None:
    from agentpay.understanding.exemplars import EXEMPLARS as OWN

    assert set(OWN) == set(INTENTS)
    assert all(len(lines) >= 8 for lines in OWN.values())
    assert len(OWN["unknown"]) >= 150


# ---- LLM fallback ----------------------------------------------------------------------

class FakeMessages:
    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.requests: list[dict[str, Any]] = []

    def create(self, **kwargs: Any) -> Any:
        self.requests.append(kwargs)
        return SimpleNamespace(content=[SimpleNamespace(type="tool_use", name="record_intent",
                                                        input=self.payload)])


def test_anthropic_llm_forces_a_structured_tool_call() -> None:
    messages = FakeMessages({"intent": "checkout", "confidence": 0.83})
    llm = AnthropicIntentLLM(model="test-model", client=SimpleNamespace(messages=messages))
    assert llm.classify("let's wrap this up", INTENTS) == ("checkout", 0.83)
    [req] = messages.requests
    assert req["tool_choice"] == {"type": "tool", "name": "record_intent"}
    schema = req["tools"][0]["input_schema"]["properties"]["intent"]
    assert schema["enum"] == list(INTENTS)
    assert "let's wrap this up" in req["messages"][0]["content"]


def test_anthropic_llm_rejects_intents_outside_the_contract() -> None:
    messages = FakeMessages({"intent": "make_coffee", "confidence": 1})
    llm = AnthropicIntentLLM(client=SimpleNamespace(messages=messages))
    with pytest.raises(ValueError):
        llm.classify("hello", INTENTS)


def test_llm_is_off_unless_opted_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTPAY_INTENT_LLM", raising=False)
    assert default_llm() is None


# ---- agentpay classify -----------------------------------------------------------------

def test_run_classify_writes_one_json_object_per_input_line() -> None:
    stdin = io.StringIO("I need running shoes under $150\n\nwhere is order 1135426?\n")
    stdout = io.StringIO()
    assert run_classify(stdin, stdout, classifier=Classifier()) == 0
    lines = stdout.getvalue().splitlines()
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert all(set(r) == {"intent", "confidence", "source", "entities"} for r in rows)
    assert [r["intent"] for r in rows] == ["product_search", "unknown", "order_status"]
    assert rows[2]["entities"][0] == {"type": "order_id", "value": "1135426",
                                      "text": "1135426", "start": 15, "end": 22}
    price = next(e for e in rows[0]["entities"] if e["type"] == "price_max")
    assert (price["value"], price["currency"]) == (150.0, "USD")


@pytest.mark.parametrize("text", ["add 2 please", "add two in red", "put 12 in the cart",
                                  "add 3 in navy"])
def test_a_count_put_in_the_cart_is_an_add_by_the_rules_alone(text):
    u = Classifier().classify(text)
    assert (u.intent, u.source) == ("add_to_cart", "rules")
    assert not [e for e in u.entities if e["type"] == "size"]


@pytest.mark.parametrize("text", ["2 bags of that", "three boxes of those please",
                                  "4 bottles of it"])
def test_a_count_of_packages_of_what_is_in_view_is_an_add(text):
    u = Classifier().classify(text)
    assert (u.intent, u.source) == ("add_to_cart", "rules")


@pytest.mark.parametrize("text", ["how much are 2 bags of that", "remove 2 bags of that"])
def test_a_price_or_removal_of_packages_is_not_an_add(text):
    assert Classifier().classify(text).intent != "add_to_cart"


@pytest.mark.parametrize("text", ["do you sell kayaks", "do you carry telescopes",
                                  "do you guys sell surfboards?"])
def test_asking_whether_the_store_sells_a_thing_is_a_search(text):
    assert Classifier().classify(text).intent == "product_search"
