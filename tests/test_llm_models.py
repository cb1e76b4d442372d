"""The models the agent calls: current by the installed SDKs' own lists, priced, and
checked when the router is built (a retired model is replaced, not called every turn)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from agentpay.llm import anthropic_provider, openai_provider
from agentpay.llm import models as models_module
from agentpay.llm.base import ChatMessage, GenerationRequest, ToolCall, ToolResultContent
from agentpay.llm.factory import get_generator, reset_generator
from agentpay.llm.keys import reset_keys
from agentpay.llm.models import (
    CURRENT,
    choose_model,
    current_models,
    replacement_for,
    reset_models,
    sdk_models,
    status_of,
)
from agentpay.llm.pricing import price_of

TODAY = datetime.now(UTC).date()
DEFAULTS = [
    ("anthropic", anthropic_provider.DEFAULT_MODEL, anthropic_provider.MODEL_LINE),
    ("openai", openai_provider.DEFAULT_MODEL, openai_provider.MODEL_LINE),
]


def intent_default() -> tuple[str, str]:
    from agentpay.understanding.llm import DEFAULT_MODEL

    return "anthropic", DEFAULT_MODEL


@pytest.fixture(autouse=True)
def fresh_lists():
    reset_models()
    yield
    reset_models()


@pytest.fixture
def env(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AGENTPAY_LLM_SECRET_ARN",
                 "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "AGENTPAY_ANTHROPIC_MODEL",
                 "AGENTPAY_OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    reset_keys()
    reset_generator()
    yield monkeypatch
    reset_keys()
    reset_generator()


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """The Powertools metrics the check adds, by name."""
    from agentpay.observability import metrics

    names: list[str] = []
    monkeypatch.setattr(metrics, "add_metric",
                        lambda name, unit, value: names.append(name))
    return names


# --------------------------------------------------------------------------- the defaults


@pytest.mark.parametrize(("provider", "model"), [
    *[(p, m) for p, m, _ in DEFAULTS], intent_default()])
def test_every_default_is_listed_by_the_installed_sdk_and_not_deprecated_today(provider,
                                                                              model):
    # GIVEN the model lists the installed SDK ships (its literal and its deprecations)
    listed = sdk_models(provider)
    assert listed.readable, f"the {provider} SDK's model list could not be read"

    # THEN the default is in it, with no deprecation as of today: when an SDK upgrade
    # deprecates it, this fails before a store's turns do
    assert model in listed.models
    assert status_of(provider, model, TODAY).status == CURRENT, status_of(provider, model)


@pytest.mark.parametrize(("provider", "model"), [
    *[(p, m) for p, m, _ in DEFAULTS], intent_default(),
    *[(p, replacement_for(p, m, line)) for p, m, line in DEFAULTS]])
def test_every_default_and_replacement_is_priced(provider, model):
    assert price_of(model) is not None, f"{model} has no price in llm/pricing.py"


def test_the_retired_defaults_are_not_callable_by_the_sdks_lists():
    # claude-sonnet-4-5 reached its end of life on 2026-11-30: the SDK no longer lists it
    assert not status_of("anthropic", "claude-sonnet-4-5", TODAY).callable
    # gpt-4o-mini is deprecated (shutdown 2027-01-14) and is no default any more
    assert status_of("openai", "gpt-4o-mini", date(2027, 1, 14)).status == "retired"
    assert openai_provider.DEFAULT_MODEL != "gpt-4o-mini"


def test_dated_snapshots_take_their_models_status():
    assert status_of("anthropic", "claude-haiku-4-5-20251001", TODAY).status == CURRENT
    snapshot = f"{anthropic_provider.DEFAULT_MODEL}-20261201"
    assert status_of("anthropic", snapshot, TODAY).status == CURRENT
    assert status_of("anthropic", "claude-sonnet-4-5-20250929", TODAY).status == "unknown"


# --------------------------------------------------------------------------- reading


@pytest.fixture
def fake_sdks(tmp_path, monkeypatch):
    """Two SDK trees with the files, in the shapes, the real SDKs ship."""
    anthropic = tmp_path / "anthropic"
    (anthropic / "types").mkdir(parents=True)
    (anthropic / "_data").mkdir()
    (anthropic / "_version.py").write_text('__version__ = "9.9.9"\n')
    (anthropic / "types" / "model.py").write_text(
        "from typing import Union\nfrom typing_extensions import Literal, TypeAlias\n"
        "Model: TypeAlias = Union[\n    Literal[\n        \"claude-sonnet-9\",\n"
        "        \"claude-sonnet-8\",\n        \"claude-old-1\",\n    ],\n    str,\n]\n"
        '"""The model that will complete your prompt."""\n')
    (anthropic / "_data" / "deprecated_models.py").write_text(
        "from typing import Dict\n\nDEPRECATED_MODELS: Dict[str, str] = {\n"
        '    "claude-sonnet-8": "March 3rd, 2027",\n    "claude-old-1": "May 1st, 2026",\n}\n')
    openai = tmp_path / "openai"
    (openai / "types" / "shared").mkdir(parents=True)
    (openai / "types" / "shared" / "chat_model.py").write_text(
        "from typing_extensions import Literal, TypeAlias\n\n"
        'ChatModel: TypeAlias = Literal[\n    "gpt-9-luna",\n    "gpt-8-luna",\n'
        '    "gpt-8-mini",\n]\n'
        '"""Deprecated values:\n\n'
        '- "gpt-8-luna": Announced shutdown\n  date: 2027-02-01. See\n'
        "  https://developers.openai.com/api/docs/deprecations for details.\n"
        '- "gpt-8-mini": Not a supported model ID. Retained for SDK compatibility.\n"""\n')
    roots = {"anthropic": anthropic, "openai": openai}
    monkeypatch.setattr(models_module, "_package_dir", roots.get)
    reset_models()
    return roots


def test_the_lists_are_read_from_the_sdks_files(fake_sdks):
    anthropic = sdk_models("anthropic")
    assert anthropic.models == ("claude-sonnet-9", "claude-sonnet-8", "claude-old-1")
    assert anthropic.retires == {"claude-sonnet-8": date(2027, 3, 3),
                                 "claude-old-1": date(2026, 5, 1)}
    assert anthropic.version == "9.9.9"
    openai = sdk_models("openai")
    assert openai.models == ("gpt-9-luna", "gpt-8-luna", "gpt-8-mini")
    assert openai.retires == {"gpt-8-luna": date(2027, 2, 1), "gpt-8-mini": None}


def test_statuses_follow_the_dates(fake_sdks):
    day = date(2026, 12, 7)
    assert [status_of("anthropic", m, day).status for m in (
        "claude-sonnet-9", "claude-sonnet-8", "claude-old-1", "claude-new-10")] == [
        "current", "deprecated", "retired", "unknown"]
    # the day a deprecated model stops answering, it is retired
    assert status_of("anthropic", "claude-sonnet-8", date(2027, 3, 3)).status == "retired"
    assert status_of("openai", "gpt-8-mini", day).status == "retired"  # unsupported
    assert current_models("openai", day) == ["gpt-9-luna"]


def test_a_retired_default_is_replaced_by_the_newest_current_model_of_its_line(fake_sdks):
    day = date(2027, 4, 1)
    assert replacement_for("anthropic", "claude-sonnet-8", "sonnet", day) == "claude-sonnet-9"
    assert replacement_for("anthropic", "claude-sonnet-9", "sonnet", day) == "claude-sonnet-9"


def test_an_sdk_that_is_missing_or_unreadable_checks_nothing(monkeypatch):
    monkeypatch.setattr(models_module, "_package_dir", lambda package: None)
    assert status_of("anthropic", "anything", TODAY).status == "unchecked"
    assert choose_model("anthropic", "anything", "default", "sonnet",
                        setting="AGENTPAY_ANTHROPIC_MODEL") == "anything"


def test_reading_the_lists_imports_no_sdk():
    import subprocess
    import sys

    code = ("import sys\nfrom agentpay.llm.models import status_of\n"
            "status_of('anthropic', 'x'); status_of('openai', 'x')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('anthropic','openai')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- the check


def test_a_retired_configured_model_is_replaced_with_a_log_line_and_a_metric(
        env, counted, caplog):
    # GIVEN a deployment still configured with the model that reached its end of life
    env.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    env.setenv("AGENTPAY_ANTHROPIC_MODEL", "claude-sonnet-4-5")
    caplog.set_level(logging.WARNING, logger="agentpay.llm.models")

    # WHEN the router is built (the first generation of the process)
    router = get_generator()

    # THEN it calls the current default instead, and says so once, clearly
    assert [p.model for p in router.providers] == [anthropic_provider.DEFAULT_MODEL]
    [line] = [r for r in caplog.records if r.name == "agentpay.llm.models"]
    assert line.levelno == logging.ERROR
    message = line.getMessage()
    assert "AGENTPAY_ANTHROPIC_MODEL=claude-sonnet-4-5" in message
    assert anthropic_provider.DEFAULT_MODEL in message
    assert counted == ["LLMModelReplaced"]
    # AND a cached router is not checked again
    get_generator()
    assert counted == ["LLMModelReplaced"]


def test_a_deprecated_model_is_kept_with_a_warning_and_a_metric(env, counted, caplog):
    # GIVEN the old OpenAI default, deprecated but still answering until 2027-01-14
    env.setenv("OPENAI_API_KEY", "sk-x")
    env.setenv("AGENTPAY_OPENAI_MODEL", "gpt-4o-mini")
    caplog.set_level(logging.WARNING, logger="agentpay.llm.models")

    router = get_generator()

    assert [p.model for p in router.providers] == ["gpt-4o-mini"]
    [line] = [r for r in caplog.records if r.name == "agentpay.llm.models"]
    assert line.levelno == logging.WARNING
    assert "2027-01-14" in line.getMessage() and "gpt-4o-mini" in line.getMessage()
    assert counted == ["LLMModelDeprecated"]


def test_the_defaults_pass_the_check_silently(env, counted, caplog):
    env.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    env.setenv("OPENAI_API_KEY", "sk-x")
    caplog.set_level(logging.WARNING, logger="agentpay.llm.models")

    router = get_generator()

    assert [(p.name, p.model) for p in router.providers] == [
        ("anthropic", anthropic_provider.DEFAULT_MODEL),
        ("openai", openai_provider.DEFAULT_MODEL)]
    assert counted == [] and not caplog.records


def test_an_unknown_model_behind_a_gateway_is_kept_but_reported(env, counted):
    env.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    env.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/gateway")
    env.setenv("AGENTPAY_ANTHROPIC_MODEL", "gateway/claude-sonnet-latest")

    router = get_generator()

    assert [p.model for p in router.providers] == ["gateway/claude-sonnet-latest"]
    assert counted == ["LLMModelDeprecated"]


def test_an_sdk_older_than_the_default_keeps_the_default(fake_sdks, counted):
    # GIVEN an SDK that has never heard of this code's default
    chosen = choose_model("anthropic", None, "claude-sonnet-10", "sonnet",
                          setting="AGENTPAY_ANTHROPIC_MODEL", today=date(2026, 12, 7))
    # THEN the default is kept (not swapped for an older model), and reported
    assert chosen == "claude-sonnet-10"
    assert counted == ["LLMModelDeprecated"]


def test_a_model_past_its_end_of_life_date_is_replaced(counted):
    # claude-opus-4-5 is deprecated until 2027-01-22; after that day it cannot answer
    chosen = choose_model("anthropic", "claude-opus-4-5", anthropic_provider.DEFAULT_MODEL,
                          "sonnet", setting="AGENTPAY_ANTHROPIC_MODEL", today=date(2027, 2, 1))
    assert chosen == anthropic_provider.DEFAULT_MODEL
    assert counted == ["LLMModelReplaced"]


# --------------------------------------------------------------------------- wire details


def test_gpt_6_luna_is_asked_without_reasoning_so_it_takes_tools_and_a_temperature():
    request = GenerationRequest(system="s", messages=[ChatMessage("user", "hi")],
                                temperature=0.3)
    params = openai_provider.request_params("gpt-6-luna", request)
    assert params["reasoning_effort"] == "none" and params["temperature"] == 0.3
    assert "reasoning_effort" not in openai_provider.request_params("gpt-4o", request)


class _Stream:
    """The raw events of one streamed Messages API answer that thinks, then calls a tool."""

    def __init__(self, events):
        self._events = events

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    def __aiter__(self):
        return self._gen()

    async def _gen(self):
        for event in self._events:
            yield event


def _ns(**kw):
    return SimpleNamespace(**kw)


def _thinking_then_tool_events():
    usage = _ns(input_tokens=10, output_tokens=0, cache_creation_input_tokens=0,
                cache_read_input_tokens=0)
    return [
        _ns(type="message_start", message=_ns(model=anthropic_provider.DEFAULT_MODEL,
                                              usage=usage)),
        _ns(type="content_block_start", index=0,
            content_block=_ns(type="thinking", thinking="", signature="")),
        _ns(type="content_block_delta", index=0,
            delta=_ns(type="thinking_delta", thinking="They want tea.")),
        _ns(type="content_block_delta", index=0,
            delta=_ns(type="signature_delta", signature="sig-abc")),
        _ns(type="content_block_stop", index=0),
        _ns(type="content_block_start", index=1,
            content_block=_ns(type="tool_use", id="toolu_1", name="search_products",
                              input={})),
        _ns(type="content_block_delta", index=1,
            delta=_ns(type="input_json_delta", partial_json='{"query": "tea"}')),
        _ns(type="content_block_stop", index=1),
        _ns(type="message_delta", delta=_ns(stop_reason="tool_use"),
            usage=_ns(output_tokens=20, input_tokens=0, cache_creation_input_tokens=0,
                      cache_read_input_tokens=0)),
        _ns(type="message_stop"),
    ]


def test_claude_thinking_blocks_go_back_unchanged_before_its_tool_calls():
    from agentpay.llm.runner import generate

    # GIVEN Claude (thinking by default) answering with a thinking block and a tool call
    async def create(**params):
        return _Stream(_thinking_then_tool_events())

    client = _ns(messages=_ns(create=create))
    provider = anthropic_provider.AnthropicProvider("sk-ant-x", client=client)

    # WHEN the round is run and its tool call is answered in the next request
    result = generate(provider, GenerationRequest(system="s",
                                                  messages=[ChatMessage("user", "tea?")]))
    [call] = result.tool_calls
    assert call == ToolCall("toolu_1", "search_products", {"query": "tea"})
    assert result.text == ""  # thinking is never shown to the shopper
    wire = anthropic_provider.wire_messages([
        ChatMessage("user", "tea?"),
        ChatMessage("assistant", result.text, tool_calls=list(result.tool_calls)),
        ChatMessage("user", tool_results=[ToolResultContent("toolu_1", "[]")]),
    ])

    # THEN the assistant turn is the answer as it came: thinking (with its signature)
    # first, then the tool call
    assert wire[1] == {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "They want tea.", "signature": "sig-abc"},
        {"type": "tool_use", "id": "toolu_1", "name": "search_products",
         "input": {"query": "tea"}},
    ]}
    assert wire[2]["content"][0]["type"] == "tool_result"
