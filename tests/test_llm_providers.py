"""LLM providers: the real ``anthropic`` and ``openai`` clients against local fake servers.

No test reaches a real API. The fakes speak each API's wire protocol (SSE events, error
bodies, status codes) and validate request shapes roughly as the real APIs do, so a
wrong tool_use / tool_result pairing fails here, not in production.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentpay.llm import (
    ChatMessage,
    Final,
    GenerationRequest,
    LLMError,
    TextDelta,
    ToolCall,
    ToolResultContent,
    ToolSpec,
    Usage,
)
from agentpay.llm.anthropic_provider import AnthropicProvider
from agentpay.llm.base import parse_tool_arguments
from agentpay.llm.openai_provider import OpenAIProvider
from agentpay.llm.pricing import cost_usd
from agentpay.llm.runner import iter_stream
from fakes.anthropic_server import FakeAnthropicServer
from fakes.openai_server import ChatScript, ChatToolCall, FakeOpenAIServer

ROOT = Path(__file__).resolve().parent.parent
ANTHROPIC_KEY = "sk-ant-test-providers"
OPENAI_KEY = "sk-test-providers"
SEARCH = ToolSpec(
    name="search_products",
    description="Search the store's catalog.",
    input_schema={"type": "object", "properties": {"query": {"type": "string"},
                                                   "max_price": {"type": "number"}},
                  "required": ["query"]},
)


@pytest.fixture(scope="module", autouse=True)
def warm_sdks() -> None:
    """Import both SDKs once up front: a cold import takes seconds on this machine and
    would otherwise land inside the first test's timings."""
    AnthropicProvider("x").warm()
    OpenAIProvider("x").warm()


@pytest.fixture(scope="module")
def fake_anthropic():
    with FakeAnthropicServer(api_key=ANTHROPIC_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def fake_openai():
    with FakeOpenAIServer(api_key=OPENAI_KEY) as server:
        yield server


@pytest.fixture
def anthropic_server(fake_anthropic):
    fake_anthropic.reset()
    return fake_anthropic


@pytest.fixture
def openai_server(fake_openai):
    fake_openai.reset()
    return fake_openai


def claude(server: FakeAnthropicServer, **kwargs) -> AnthropicProvider:
    options = {"timeout": 10.0, "max_retries": 0, **kwargs}
    return AnthropicProvider(options.pop("api_key", ANTHROPIC_KEY), base_url=server.base_url,
                             **options)


def gpt(server: FakeOpenAIServer, **kwargs) -> OpenAIProvider:
    options = {"timeout": 10.0, "max_retries": 0, **kwargs}
    return OpenAIProvider(options.pop("api_key", OPENAI_KEY), base_url=server.base_url,
                          **options)


def ask(text: str = "Do you have green tea?", **kwargs) -> GenerationRequest:
    return GenerationRequest(system="You are a shop assistant.",
                             messages=[ChatMessage("user", text)], **kwargs)


def events_of(provider, request: GenerationRequest, timeout: float = 30.0) -> list:
    return list(iter_stream(provider, request, timeout=timeout))


def split(events: list) -> tuple[list[str], Final]:
    *deltas, final = events
    assert isinstance(final, Final), events
    assert all(isinstance(event, TextDelta) for event in deltas), events
    return [event.text for event in deltas], final


def tool_round_trip() -> list[ChatMessage]:
    """A conversation where the assistant called a tool and the shopper's turn carries
    the result (one error result too) plus a follow-up question."""
    return [
        ChatMessage("user", "Green tea under 20?"),
        ChatMessage("assistant", "Let me look.", tool_calls=[
            ToolCall("call_1", "search_products", {"query": "green tea", "max_price": 20}),
            ToolCall("call_2", "search_products", {"query": "matcha"}),
        ]),
        ChatMessage("user", "And anything cheaper?", tool_results=[
            ToolResultContent("call_1", '<data source="search">[{"name": "Sencha"}]</data>'),
            ToolResultContent("call_2", "search is down", is_error=True),
        ]),
    ]


# --------------------------------------------------------------------------- Anthropic


def test_anthropic_streams_text_deltas_in_order_and_final_carries_usage_and_cost(
        anthropic_server):
    # GIVEN a scripted answer streamed in four pieces, with known token counts
    anthropic_server.reply_text("We ", "have ", "three ", "green teas.",
                                input_tokens=1000, output_tokens=200)

    # WHEN Claude is asked
    deltas, final = split(events_of(claude(anthropic_server), ask(max_tokens=321)))

    # THEN the deltas arrive in order, and the result adds them up with usage and cost
    assert deltas == ["We ", "have ", "three ", "green teas."]
    result = final.result
    assert result.text == "We have three green teas."
    assert (result.provider, result.model) == ("anthropic", "claude-sonnet-5-5")
    assert result.usage == Usage(input_tokens=1000, output_tokens=200)
    assert result.cost_usd == pytest.approx(1000 * 2 / 1e6 + 200 * 10 / 1e6)
    assert result.stop_reason == "end_turn" and result.tool_calls == []
    assert result.failures == [] and result.latency_ms > 0
    # AND the request went out as a streamed Messages API call
    [body] = anthropic_server.messages_bodies()
    assert body["stream"] is True and body["model"] == "claude-sonnet-5-5"
    assert body["max_tokens"] == 321 and body["system"] == "You are a shop assistant."
    assert body["messages"] == [{"role": "user", "content": "Do you have green tea?"}]
    assert "temperature" not in body  # API version 2026-10-21 rejects sampling parameters


def test_anthropic_tool_use_assembles_input_from_json_pieces(anthropic_server):
    # GIVEN an answer that says a few words, then calls a tool whose input arrives in 7
    # input_json_delta fragments (cut mid-token, as the API does)
    arguments = {"query": "green tea", "max_price": 19.5, "tags": ["organic", "loose"]}
    anthropic_server.reply_tool("search_products", arguments, text=["Let me ", "check."],
                                id="toolu_01", json_pieces=7)

    # WHEN Claude is asked with the tool available
    deltas, final = split(events_of(claude(anthropic_server), ask(tools=[SEARCH])))

    # THEN the text streamed, and the call parsed into a ToolCall with dict arguments
    assert deltas == ["Let me ", "check."]
    assert final.result.tool_calls == [ToolCall("toolu_01", "search_products", arguments)]
    assert final.result.stop_reason == "tool_use"
    # AND the tool went out in the Messages API's shape
    [body] = anthropic_server.messages_bodies()
    assert body["tools"] == [{"name": "search_products",
                              "description": "Search the store's catalog.",
                              "input_schema": SEARCH.input_schema}]


def test_anthropic_tool_only_answer_has_no_text(anthropic_server):
    # GIVEN an answer that is only a tool call with an empty input
    anthropic_server.reply_tool("list_categories", {})

    # WHEN Claude is asked
    deltas, final = split(events_of(claude(anthropic_server), ask(tools=[SEARCH])))

    # THEN no text, one call, empty arguments
    assert deltas == [] and final.result.text == ""
    [call] = final.result.tool_calls
    assert (call.name, call.arguments) == ("list_categories", {})


def test_anthropic_tool_result_round_trip_sends_tool_use_and_tool_result_blocks(
        anthropic_server):
    # GIVEN a conversation with two tool calls and their results
    anthropic_server.reply_text("Sencha is 12 EUR.")

    # WHEN it is sent (the fake rejects unpaired tool_use / tool_result blocks)
    _, final = split(events_of(claude(anthropic_server),
                               GenerationRequest(system="s", messages=tool_round_trip(),
                                                 tools=[SEARCH])))

    # THEN the answer came back and the wire shapes are the Messages API's
    assert final.result.text == "Sencha is 12 EUR."
    [body] = anthropic_server.messages_bodies()
    user, assistant, results = body["messages"]
    assert user == {"role": "user", "content": "Green tea under 20?"}
    assert assistant == {"role": "assistant", "content": [
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "call_1", "name": "search_products",
         "input": {"query": "green tea", "max_price": 20}},
        {"type": "tool_use", "id": "call_2", "name": "search_products",
         "input": {"query": "matcha"}},
    ]}
    assert results == {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1",
         "content": '<data source="search">[{"name": "Sencha"}]</data>', "is_error": False},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "search is down",
         "is_error": True},
        {"type": "text", "text": "And anything cheaper?"},
    ]}


def test_anthropic_last_round_without_tools_keeps_the_history_and_forbids_calls(
        anthropic_server):
    # GIVEN a tool round trip in the history, and a last round offering no tools (the
    # API rejects tool blocks in a request that defines no tools)
    anthropic_server.reply_text("Sencha it is.")

    # WHEN sent
    _, final = split(events_of(claude(anthropic_server),
                               GenerationRequest(system="s", messages=tool_round_trip())))

    # THEN accepted: the history's tools are declared, and no call is allowed
    assert final.result.text == "Sencha it is."
    [body] = anthropic_server.messages_bodies()
    assert [tool["name"] for tool in body["tools"]] == ["search_products"]
    assert body["tool_choice"] == {"type": "none"}


def test_fake_anthropic_rejects_tool_blocks_without_tools_as_the_api_does():
    from agentpay.llm.anthropic_provider import wire_messages
    from fakes.anthropic_server import validate_messages_request

    body = {"model": "m", "max_tokens": 5, "messages": wire_messages(tool_round_trip())}
    assert "must define tools" in validate_messages_request(body)


def test_fake_anthropic_rejects_a_tool_use_without_its_result(anthropic_server):
    # GIVEN an assistant tool call whose result never comes back
    messages = tool_round_trip()[:2] + [ChatMessage("user", "hello?")]

    # WHEN sent, THEN the fake answers 400 as the real API does, mapped to bad_request
    with pytest.raises(LLMError) as caught:
        events_of(claude(anthropic_server), GenerationRequest(system="s", messages=messages))
    assert (caught.value.reason, caught.value.status) == ("bad_request", 400)
    assert "tool_result" in str(caught.value)


@pytest.mark.parametrize(("status", "reason"), [
    (429, "rate_limited"), (500, "server_error"), (529, "server_error"), (400, "bad_request"),
    (403, "auth"),
])
def test_anthropic_http_errors_map_to_reasons(anthropic_server, status, reason):
    # GIVEN the API answers with an error status
    anthropic_server.fail_next(1, status=status)

    # WHEN asked, THEN the SDK's exception becomes an LLMError with that reason
    with pytest.raises(LLMError) as caught:
        events_of(claude(anthropic_server), ask())
    error = caught.value
    assert (error.provider, error.reason, error.status) == ("anthropic", reason, status)


def test_anthropic_wrong_key_is_auth_and_the_key_is_not_in_the_message(anthropic_server):
    # GIVEN a wrong key
    wrong = "sk-ant-wrong-key-0123456789"

    # WHEN used
    with pytest.raises(LLMError) as caught:
        events_of(claude(anthropic_server, api_key=wrong), ask())

    # THEN the reason is auth, and neither the error nor the provider's repr shows the key
    assert caught.value.reason == "auth"
    assert "0123456789" not in str(caught.value)
    assert "0123456789" not in repr(claude(anthropic_server, api_key=wrong))


def test_anthropic_error_inside_the_stream_maps_by_its_type(anthropic_server):
    # GIVEN a stream that sends an overloaded_error event after one delta (status 200)
    anthropic_server.reply_text("Half", " an answer", error_after=1)

    # WHEN consumed
    seen: list = []
    with pytest.raises(LLMError) as caught:
        seen.extend(iter_stream(claude(anthropic_server), ask(), timeout=30))

    # THEN the delta before it arrived, and the error is a server error
    assert seen == [TextDelta("Half")]
    assert caught.value.reason == "server_error"


def test_anthropic_stream_cut_before_message_stop_is_a_connection_error(anthropic_server):
    # GIVEN a stream whose connection closes after one delta
    anthropic_server.reply_text("Half", " an answer", drop_after=1)

    # WHEN consumed, THEN it does not pass for a complete answer
    with pytest.raises(LLMError, match="message_stop") as caught:
        events_of(claude(anthropic_server), ask())
    assert caught.value.reason == "connection"


def test_anthropic_request_that_hangs_times_out(anthropic_server):
    # GIVEN a server that holds the request for 8 s and a 1 s client timeout
    anthropic_server.hang_next(1, seconds=8)
    started = time.monotonic()

    # WHEN asked
    with pytest.raises(LLMError) as caught:
        events_of(claude(anthropic_server, timeout=1.0), ask())

    # THEN a timeout, well before the server would have answered
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 6


def test_a_request_held_across_a_reset_leaves_the_next_tests_script_alone(anthropic_server):
    # GIVEN a request the fake holds for 2 s, abandoned by its 0.5 s client
    anthropic_server.hang_next(1, seconds=2)
    with pytest.raises(LLMError):
        events_of(claude(anthropic_server, timeout=0.5), ask())

    # WHEN the next test resets the fake and scripts its answer before the hold ends
    anthropic_server.reset()
    anthropic_server.reply_text("Mine.")
    time.sleep(2.5)

    # THEN the held request woke without taking it, and the next request gets it
    assert split(events_of(claude(anthropic_server), ask()))[1].result.text == "Mine."


def test_anthropic_sdk_retries_are_bounded_by_max_retries(anthropic_server):
    # GIVEN one retry allowed, and a server that is overloaded once
    anthropic_server.fail_next(1, status=529)
    anthropic_server.reply_text("Back again.")

    # WHEN asked, THEN the SDK's retry succeeds
    _, final = split(events_of(claude(anthropic_server, max_retries=1), ask()))
    assert final.result.text == "Back again."
    assert len(anthropic_server.messages_bodies()) == 2

    # AND GIVEN a server that keeps failing, WHEN asked, THEN exactly 1 + 1 attempts
    anthropic_server.reset()
    anthropic_server.fail_next(5, status=500)
    with pytest.raises(LLMError):
        events_of(claude(anthropic_server, max_retries=1), ask())
    assert len(anthropic_server.messages_bodies()) == 2


# --------------------------------------------------------------------------- OpenAI


def test_openai_streams_text_deltas_and_usage_from_the_last_chunk(openai_server):
    # GIVEN a scripted answer in three pieces with known token counts
    openai_server.reply_chat_text("Sencha ", "is ", "in stock.", prompt_tokens=2000,
                                  completion_tokens=100)

    # WHEN GPT is asked
    deltas, final = split(events_of(gpt(openai_server),
                                    ask(max_tokens=222, temperature=0.2)))

    # THEN deltas in order; usage (sent in a choice-less last chunk) and cost in Final
    assert deltas == ["Sencha ", "is ", "in stock."]
    result = final.result
    assert (result.text, result.provider, result.stop_reason) == (
        "Sencha is in stock.", "openai", "end_turn")
    assert result.usage == Usage(2000, 100)
    assert result.cost_usd == pytest.approx(2000 * 0.10 / 1e6 + 100 * 0.50 / 1e6)
    # AND the request asked for a stream with usage, the system prompt first
    [body] = openai_server.chat_bodies()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_completion_tokens"] == 222 and body["temperature"] == 0.2
    assert body["model"] == "gpt-6-luna" and body["reasoning_effort"] == "none"
    assert body["messages"] == [
        {"role": "system", "content": "You are a shop assistant."},
        {"role": "user", "content": "Do you have green tea?"},
    ]
    assert "tools" not in body


def test_openai_streamed_tool_calls_assemble_by_index(openai_server):
    # GIVEN an answer with two tool calls, each one's arguments in 4 fragments
    first = {"query": "green tea", "max_price": 20}
    second = {"query": "matcha whisk"}
    openai_server.script_chat(ChatScript(
        text=["Searching."],
        tool_calls=[ChatToolCall("search_products", first, "call_a"),
                    ChatToolCall("search_products", second, "call_b")],
        argument_pieces=4))

    # WHEN GPT is asked with the tool available
    deltas, final = split(events_of(gpt(openai_server), ask(tools=[SEARCH])))

    # THEN both calls parsed, in order, with dict arguments
    assert deltas == ["Searching."]
    assert final.result.tool_calls == [ToolCall("call_a", "search_products", first),
                                       ToolCall("call_b", "search_products", second)]
    assert final.result.stop_reason == "tool_use"
    [body] = openai_server.chat_bodies()
    assert body["tools"] == [{"type": "function", "function": {
        "name": "search_products", "description": "Search the store's catalog.",
        "parameters": SEARCH.input_schema}}]


def test_openai_tool_result_round_trip_sends_tool_calls_and_tool_messages(openai_server):
    # GIVEN the same conversation with two tool calls and their results
    openai_server.reply_chat_text("Sencha is 12 EUR.")

    # WHEN sent (the fake rejects tool messages that answer no tool call)
    _, final = split(events_of(gpt(openai_server),
                               GenerationRequest(system="s", messages=tool_round_trip(),
                                                 tools=[SEARCH])))

    # THEN the wire shapes are chat completions': tool_calls with JSON-string arguments,
    # then one "tool" message per result, then the shopper's text
    assert final.result.text == "Sencha is 12 EUR."
    [body] = openai_server.chat_bodies()
    system, user, assistant, result_1, result_2, follow_up = body["messages"]
    assert system == {"role": "system", "content": "s"}
    assert user == {"role": "user", "content": "Green tea under 20?"}
    assert assistant["role"] == "assistant" and assistant["content"] == "Let me look."
    assert [(c["id"], c["type"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for c in assistant["tool_calls"]] == [
        ("call_1", "function", "search_products", {"query": "green tea", "max_price": 20}),
        ("call_2", "function", "search_products", {"query": "matcha"}),
    ]
    assert result_1 == {"role": "tool", "tool_call_id": "call_1",
                        "content": '<data source="search">[{"name": "Sencha"}]</data>'}
    assert result_2 == {"role": "tool", "tool_call_id": "call_2",
                        "content": "Error: search is down"}
    assert follow_up == {"role": "user", "content": "And anything cheaper?"}


@pytest.mark.parametrize(("status", "reason"), [
    (429, "rate_limited"), (500, "server_error"), (503, "server_error"), (400, "bad_request"),
])
def test_openai_http_errors_map_to_reasons(openai_server, status, reason):
    # GIVEN the API answers with an error status
    openai_server.fail_next(1, status=status)

    # WHEN asked, THEN the SDK's exception becomes an LLMError with that reason
    with pytest.raises(LLMError) as caught:
        events_of(gpt(openai_server), ask())
    assert (caught.value.provider, caught.value.reason, caught.value.status) == (
        "openai", reason, status)


def test_openai_wrong_key_is_auth_and_the_key_is_not_in_the_message(openai_server):
    # GIVEN a wrong key (OpenAI's 401 message echoes its last four characters)
    with pytest.raises(LLMError) as caught:
        events_of(gpt(openai_server, api_key="sk-wrong-key-9876"), ask())

    # THEN the reason is auth and the message leaves the key out
    assert caught.value.reason == "auth" and "9876" not in str(caught.value)


def test_openai_error_inside_the_stream_and_a_cut_stream(openai_server):
    # GIVEN a stream with an error object after one delta
    openai_server.reply_chat_text("Half", " an answer", error_after=1)
    # WHEN consumed, THEN a server error
    with pytest.raises(LLMError) as caught:
        events_of(gpt(openai_server), ask())
    assert (caught.value.reason, caught.value.status) == ("server_error", None)

    # AND GIVEN a stream that ends without a finish_reason, THEN a connection error
    openai_server.reply_chat_text("Half", " an answer", drop_after=1)
    with pytest.raises(LLMError, match="finish_reason") as caught:
        events_of(gpt(openai_server), ask())
    assert caught.value.reason == "connection"


def test_openai_request_that_hangs_times_out(openai_server):
    # GIVEN a server that holds the request for 8 s and a 1 s client timeout
    openai_server.hang_next(1, seconds=8)
    started = time.monotonic()

    # WHEN asked, THEN a timeout, well before the server would have answered
    with pytest.raises(LLMError) as caught:
        events_of(gpt(openai_server, timeout=1.0), ask())
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 6


# --------------------------------------------------------------------------- shared


def test_importing_the_package_and_building_a_router_imports_no_sdk():
    # GIVEN a fresh interpreter with both keys in the environment
    code = (
        "import sys, agentpay.llm\n"
        "router = agentpay.llm.get_generator()\n"
        "assert [p.name for p in router.providers] == ['anthropic', 'openai'], router\n"
        "heavy = ('anthropic', 'openai', 'httpx2', 'boto3')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-x", "OPENAI_API_KEY": "sk-x"}
    env.pop("AGENTPAY_LLM_SECRET_ARN", None)

    # WHEN it imports agentpay.llm and builds the router
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120, check=False)

    # THEN no SDK (nor boto3) was imported: they load on the first generation
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_cost_follows_the_price_table_and_dated_model_names():
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert cost_usd("claude-sonnet-5-5", usage) == pytest.approx(12.0)
    assert cost_usd("claude-sonnet-4-5", usage) == pytest.approx(18.0)  # older usage
    assert cost_usd("gpt-6-luna-2026-09-30", usage) == pytest.approx(0.60)
    assert cost_usd("claude-haiku-4-5-20251001", usage) == pytest.approx(6.0)
    assert cost_usd("gpt-4o-mini-2024-07-18", usage) == pytest.approx(0.75)  # not gpt-4o's
    assert cost_usd("gpt-4o", usage) == pytest.approx(12.5)


def test_an_unknown_model_costs_nothing_and_is_logged_once(caplog):
    # GIVEN a model missing from the price table
    caplog.set_level(logging.WARNING, logger="agentpay.llm.pricing")

    # WHEN its cost is asked for twice
    costs = [cost_usd("some-new-model", Usage(10, 10)) for _ in range(2)]

    # THEN it costs 0.0 and one warning names it
    assert costs == [0.0, 0.0]
    assert [r.getMessage() for r in caplog.records].count(
        "no price known for model 'some-new-model'; its cost is recorded as 0.0") == 1


@pytest.mark.parametrize("raw", ["{\"query\": ", "[1, 2]"])
def test_tool_arguments_that_are_not_a_json_object_are_a_bad_response(raw):
    with pytest.raises(LLMError) as caught:
        parse_tool_arguments("anthropic", "search_products", raw)
    assert caught.value.reason == "bad_response"
