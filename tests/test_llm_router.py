"""The router (fallback from Claude to OpenAI) and the sync runner, against fake servers.

Timeouts are short but leave room for this machine: a healthy request can stall a
second or two, so no timeout that a healthy request must beat is under 4 s.
"""

from __future__ import annotations

import threading
import time

import pytest

from agentpay.llm import (
    ChatMessage,
    Final,
    GenerationRequest,
    LLMError,
    LLMRouter,
    LLMUnavailable,
    Restart,
    TextDelta,
    generate,
    get_generator,
    reset_generator,
)
from agentpay.llm.anthropic_provider import AnthropicProvider
from agentpay.llm.openai_provider import OpenAIProvider
from agentpay.llm.runner import background_loop, iter_stream
from fakes.anthropic_server import FakeAnthropicServer, Script
from fakes.openai_server import FakeOpenAIServer

ANTHROPIC_KEY = "sk-ant-test-router"
OPENAI_KEY = "sk-test-router"
FIRST_DELTA = 4.0


@pytest.fixture(scope="module", autouse=True)
def warm_sdks() -> None:
    """Import both SDKs once, outside every test's timings (seconds on this machine)."""
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
def servers(fake_anthropic, fake_openai):
    fake_anthropic.reset()
    fake_openai.reset()
    return fake_anthropic, fake_openai


def make_router(servers, *, first_delta_timeout: float = FIRST_DELTA, timeout: float = 20.0,
                **options) -> LLMRouter:
    anthropic_server, openai_server = servers
    return LLMRouter([
        AnthropicProvider(ANTHROPIC_KEY, base_url=anthropic_server.base_url, timeout=timeout,
                          max_retries=0),
        OpenAIProvider(OPENAI_KEY, base_url=openai_server.base_url, timeout=timeout,
                       max_retries=0),
    ], first_delta_timeout=first_delta_timeout, **options)


def ask(text: str = "Any green tea?") -> GenerationRequest:
    return GenerationRequest(system="You are a shop assistant.",
                             messages=[ChatMessage("user", text)])


def events_of(target, request: GenerationRequest | None = None, timeout: float = 60.0) -> list:
    return list(iter_stream(target, request or ask(), timeout=timeout))


# --------------------------------------------------------------------------- router


def test_a_healthy_primary_answers_alone(servers):
    # GIVEN Claude answering normally
    anthropic_server, openai_server = servers
    anthropic_server.reply_text("Yes, ", "Sencha.")

    # WHEN the router streams
    events = events_of(make_router(servers))

    # THEN Claude's deltas and result, no failures, and OpenAI was never called
    assert events[:2] == [TextDelta("Yes, "), TextDelta("Sencha.")]
    assert events[2].result.provider == "anthropic" and events[2].result.failures == []
    assert openai_server.chat_bodies() == []


@pytest.mark.parametrize(("status", "reason"), [
    (429, "rate_limited"), (500, "server_error"), (529, "server_error"),
])
def test_an_error_before_streaming_falls_back_to_openai(servers, status, reason):
    # GIVEN Claude failing with an error status, and OpenAI healthy
    anthropic_server, openai_server = servers
    anthropic_server.fail_next(1, status=status)
    openai_server.reply_chat_text("From ", "GPT.")

    # WHEN the router streams
    events = events_of(make_router(servers))

    # THEN OpenAI's answer, no Restart (nothing had been shown), and the failure recorded
    assert events[:2] == [TextDelta("From "), TextDelta("GPT.")]
    final = events[2]
    assert isinstance(final, Final) and len(events) == 3
    assert final.result.provider == "openai" and final.result.text == "From GPT."
    assert final.result.failures == [{"provider": "anthropic", "error": reason}]


def test_a_hang_beyond_the_first_delta_timeout_falls_back(servers):
    # GIVEN Claude holding the request for 20 s (its own read timeout is longer)
    anthropic_server, openai_server = servers
    anthropic_server.hang_next(1, seconds=20)
    openai_server.reply_chat_text("Quick answer.")
    started = time.monotonic()

    # WHEN the router streams
    events = events_of(make_router(servers))

    # THEN OpenAI answered soon after the first-delta timeout
    assert events[-1].result.text == "Quick answer."
    assert events[-1].result.failures == [{"provider": "anthropic", "error": "timeout"}]
    assert time.monotonic() - started < 15


def test_a_stream_of_pings_without_content_trips_the_first_delta_timeout(servers):
    # GIVEN Claude sending keep-alive pings for 20 s but no content (no read timeout fires)
    anthropic_server, openai_server = servers
    anthropic_server.script(Script(text=["Too late."], ping_only_seconds=20))
    openai_server.reply_chat_text("In time.")
    started = time.monotonic()

    # WHEN the router streams, THEN it gives up on Claude and OpenAI answers
    events = events_of(make_router(servers))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["In time."]
    assert events[-1].result.failures == [{"provider": "anthropic", "error": "timeout"}]
    assert time.monotonic() - started < 15


@pytest.mark.parametrize(("fault", "reason"), [
    ({"error_after": 2}, "server_error"),  # an overloaded_error event mid-stream
    ({"drop_after": 2}, "connection"),  # the connection closes mid-stream
])
def test_a_failure_mid_stream_yields_restart_then_the_fallbacks_text(servers, fault, reason):
    # GIVEN Claude failing after two deltas
    anthropic_server, openai_server = servers
    anthropic_server.reply_text("Half", " an", " answer", **fault)
    openai_server.reply_chat_text("A whole", " answer.")

    # WHEN the router streams
    events = events_of(make_router(servers))

    # THEN the consumer saw Claude's half, was told to drop it, then got OpenAI's answer
    assert events[:5] == [
        TextDelta("Half"), TextDelta(" an"), Restart(provider="anthropic", reason=reason),
        TextDelta("A whole"), TextDelta(" answer."),
    ]
    assert events[5].result.text == "A whole answer."
    assert events[5].result.failures == [{"provider": "anthropic", "error": reason}]


def test_an_idle_timeout_catches_a_stream_that_stalls_mid_answer(servers):
    # GIVEN Claude going silent for 20 s after one delta, and a 4 s idle timeout
    anthropic_server, openai_server = servers
    anthropic_server.reply_text("Half", " an answer", stall_after=1, stall_seconds=20)
    openai_server.reply_chat_text("Complete.")
    started = time.monotonic()

    # WHEN the router streams
    events = events_of(make_router(servers, idle_timeout=FIRST_DELTA))

    # THEN Restart, then the fallback's answer, long before the stall ends
    assert events[:3] == [TextDelta("Half"), Restart("anthropic", "timeout"),
                          TextDelta("Complete.")]
    assert time.monotonic() - started < 15


def test_both_providers_down_raises_unavailable_listing_both(servers):
    # GIVEN both providers failing
    anthropic_server, openai_server = servers
    anthropic_server.fail_next(1, status=529)
    openai_server.fail_next(1, status=429)

    # WHEN the router streams
    with pytest.raises(LLMUnavailable) as caught:
        events_of(make_router(servers))

    # THEN the error lists both failures in order
    error = caught.value
    assert error.failures == [{"provider": "anthropic", "error": "server_error"},
                              {"provider": "openai", "error": "rate_limited"}]
    assert isinstance(error, LLMError) and error.reason == "unavailable"
    assert "anthropic (server_error)" in str(error) and "openai (rate_limited)" in str(error)


def test_the_last_provider_failing_mid_stream_restarts_then_raises(servers):
    # GIVEN a single-provider router whose provider fails after one delta
    anthropic_server, _ = servers
    anthropic_server.reply_text("Half", " an answer", error_after=1)
    router = LLMRouter(make_router(servers).providers[:1], first_delta_timeout=FIRST_DELTA)

    # WHEN streamed
    seen: list = []
    with pytest.raises(LLMUnavailable):
        seen.extend(iter_stream(router, ask(), timeout=60))

    # THEN the shown text was withdrawn before the error
    assert seen == [TextDelta("Half"), Restart("anthropic", "server_error")]


def test_a_router_needs_a_provider():
    with pytest.raises(ValueError):
        LLMRouter([])


# --------------------------------------------------------------------------- runner


def test_generate_calls_on_delta_in_order_in_the_callers_thread(servers):
    # GIVEN a scripted answer in five pieces
    anthropic_server, _ = servers
    anthropic_server.reply_text("One", " two", " three", " four", " five.")
    received: list[tuple[str, int]] = []

    # WHEN generate runs it with a callback
    result = generate(make_router(servers), ask(),
                      lambda text: received.append((text, threading.get_ident())))

    # THEN every delta, in order, in this thread, and the result is the whole text
    assert [text for text, _ in received] == ["One", " two", " three", " four", " five."]
    assert {thread for _, thread in received} == {threading.get_ident()}
    assert result.text == "One two three four five." and result.provider == "anthropic"


def test_generate_reports_a_restart_and_returns_the_fallbacks_result(servers):
    # GIVEN Claude failing mid-stream
    anthropic_server, openai_server = servers
    anthropic_server.reply_text("Wrong", " start", error_after=1)
    openai_server.reply_chat_text("Right answer.")
    shown: list[str] = []

    # WHEN generate runs, with a consumer that clears its text on restart
    result = generate(make_router(servers), ask(), shown.append, on_restart=shown.clear)

    # THEN what is left on screen is the fallback's answer
    assert "".join(shown) == result.text == "Right answer."
    assert result.failures == [{"provider": "anthropic", "error": "server_error"}]


def test_generate_works_from_several_threads_at_once(servers):
    # GIVEN six distinct answers, some of them slow, and six threads asking at once
    anthropic_server, _ = servers
    answers = {f"Answer {n}.": [f"Answer {n}", "."] for n in range(6)}
    for chunks in answers.values():
        anthropic_server.reply_text(*chunks, delay=0.05)
    router = make_router(servers)
    outcomes: dict[int, tuple[str, list[str], set[int]]] = {}
    errors: list[BaseException] = []

    def worker(slot: int) -> None:
        deltas: list[str] = []
        threads: set[int] = set()

        def on_delta(text: str) -> None:
            deltas.append(text)
            threads.add(threading.get_ident())

        try:
            result = generate(router, ask(f"question {slot}"), on_delta, timeout=60)
            outcomes[slot] = (result.text, deltas, threads - {threading.get_ident()})
        except Exception as exc:  # noqa: BLE001 - surfaced in the main thread below
            errors.append(exc)

    # WHEN they all run
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)

    # THEN each thread got one whole answer, its own deltas, in its own thread. (Under a
    # loaded CI machine a request may be re-sent and take another's script, leaving one
    # thread the fake's default answer: still whole and still its own.)
    from fakes.anthropic_server import DEFAULT_TEXT

    assert errors == [] and len(outcomes) == 6
    expected = {**answers, "".join(DEFAULT_TEXT): list(DEFAULT_TEXT)}
    texts = [text for text, _, _ in outcomes.values()]
    assert len(set(texts) & set(answers)) >= 5
    for text, deltas, foreign_threads in outcomes.values():
        assert deltas == expected[text] and foreign_threads == set()


def test_generate_raises_the_error_in_the_callers_thread(servers):
    # GIVEN both providers down
    anthropic_server, openai_server = servers
    anthropic_server.fail_next(1, status=500)
    openai_server.fail_next(1, status=500)

    # WHEN generate runs, THEN LLMUnavailable is raised here
    with pytest.raises(LLMUnavailable):
        generate(make_router(servers), ask())


def test_generate_gives_up_at_its_own_timeout_and_the_loop_stays_usable(servers):
    # GIVEN Claude hanging for 20 s and generate allowed 2.5 s in all
    anthropic_server, _ = servers
    anthropic_server.hang_next(1, seconds=20)
    started = time.monotonic()

    # WHEN generate runs, THEN it raises a timeout soon after 2.5 s
    with pytest.raises(LLMError) as caught:
        generate(make_router(servers, first_delta_timeout=15), ask(), timeout=2.5)
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 10

    # AND the next generation on the same background loop works
    anthropic_server.reset()
    anthropic_server.reply_text("Still here.")
    assert generate(make_router(servers), ask()).text == "Still here."


def test_a_failing_on_delta_stops_the_stream_and_propagates(servers):
    # GIVEN a consumer that breaks on the first delta (say, the shopper's socket closed)
    anthropic_server, _ = servers
    anthropic_server.reply_text("One", " two", " three", delay=0.2)

    def on_delta(text: str) -> None:
        raise ConnectionError("client went away")

    # WHEN generate runs, THEN the consumer's error propagates
    with pytest.raises(ConnectionError):
        generate(make_router(servers), ask(), on_delta)

    # AND the loop goes on serving
    anthropic_server.reset()
    anthropic_server.reply_text("Next.")
    assert generate(make_router(servers), ask()).text == "Next."


def test_iter_stream_refuses_to_run_on_the_background_loop_itself(servers):
    # GIVEN code already running on the generation loop
    loop = background_loop()
    outcome: list[BaseException] = []

    def on_loop() -> None:
        try:
            next(iter_stream(make_router(servers), ask()))
        except RuntimeError as exc:
            outcome.append(exc)

    # WHEN it calls the sync bridge, THEN it is told (instead of deadlocking)
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: (on_loop(), done.set()))
    assert done.wait(10)
    assert outcome and "deadlock" in str(outcome[0])


# --------------------------------------------------------------------------- factory


def test_the_configured_generator_streams_from_the_base_url_in_the_environment(
        servers, monkeypatch):
    # GIVEN keys, models and base URLs in the environment, as a deployment sets them
    anthropic_server, openai_server = servers
    from agentpay.config import reset_settings
    from agentpay.llm.keys import reset_keys

    monkeypatch.delenv("AGENTPAY_LLM_SECRET_ARN", raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("AGENTPAY_ANTHROPIC_MODEL", "claude-haiku-4-5")
    reset_settings()
    reset_keys()
    reset_generator()
    try:
        anthropic_server.fail_next(2, status=529)  # the first attempt and the SDK's retry
        openai_server.reply_chat_text("Fallback works.")

        # WHEN the factory's router generates
        result = generate(get_generator(), ask())
    finally:
        reset_generator()
        reset_settings()

    # THEN Claude (the configured model) was tried first, then OpenAI answered
    assert [body["model"] for body in anthropic_server.messages_bodies()] == [
        "claude-haiku-4-5", "claude-haiku-4-5"]
    assert result.provider == "openai" and result.text == "Fallback works."
    assert result.failures == [{"provider": "anthropic", "error": "server_error"}]
