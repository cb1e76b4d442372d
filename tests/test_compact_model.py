"""The embedder's compact files in the Lambda layer (layers/embedding/compact_model.py).

The layer stores MiniLM's matrices and the static token table as int8 with a scale per
row, to fit Lambda's size limit; the loaders multiply them back to float32. These tests
compact the installed model as the layer build does and hold the vectors to the full ones.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from agentpay.embeddings import minilm, static
from agentpay.embeddings.minilm import MiniLMEmbedder, dequantize, model_zip_path
from agentpay.embeddings.static import TABLE_FILE, StaticEmbedder

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
TITLES = ["Trail Running Shoe, Men's, Size 10.5, Navy", "Cordless Drill/Driver 20V 1/2 in.",
          "queen size memory foam mattress", "wireless noise cancelling headphones black",
          "4-person dome tent with rainfly", "stainless steel 12 cup coffee maker"]


def load_compact_model():
    spec = importlib.util.spec_from_file_location(
        "compact_model", ROOT / "layers" / "embedding" / "compact_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compact_model = load_compact_model()


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def compacted(tmp_path_factory) -> Path:
    """A copy of the installed model package, compacted as the layer build does."""
    zip_path, table = model_zip_path(), static.find_table()
    if zip_path is None or table is None:
        pytest.fail("the model and its static table come with `make setup`")
    package = tmp_path_factory.mktemp("all_minilm_l6_v2")
    # Hard links, as uv installs from its cache: compacting must leave the originals alone.
    os.link(zip_path, package / "model.zip")
    shutil.copy(table, package / TABLE_FILE)
    before = (package / "model.zip").stat().st_size
    compact_model.compact(package)
    assert zip_path.stat().st_size == before  # the original, not rewritten in place
    return package


def test_int8_rows_are_within_half_a_step_of_each_value():
    # GIVEN a matrix with rows of very different scales (and one of zeros)
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(5, 384)).astype(np.float32) * np.array([[1e-3], [1], [40], [0], [2]],
                                                                      dtype=np.float32)
    # WHEN stored as int8 with a scale per row and loaded back
    values, scale = compact_model.int8_rows(matrix)
    restored = dequantize(values, scale)
    # THEN each value is off by at most half its row's step, and zeros stay zero
    assert values.dtype == np.int8 and restored.dtype == np.float32
    assert np.all(np.abs(restored - matrix) <= scale[:, None] / 2 + 1e-7)
    assert not restored[3].any()


def test_the_compact_files_are_what_the_embedder_reads_and_less_than_half(compacted):
    with zipfile.ZipFile(compacted / "model.zip") as archive:
        assert sorted(archive.namelist()) == ["config.json", "model.safetensors", "tokenizer.json"]
    table = np.load(compacted / TABLE_FILE)
    assert table.dtype == np.int8 and table.shape == (30522, 384)
    sizes = sum(p.stat().st_size for p in compacted.iterdir())
    full = model_zip_path().stat().st_size + static.find_table().stat().st_size
    assert sizes < full / 2.5


def test_compact_minilm_points_where_sentence_transformers_does(compacted, tmp_path,
                                                                monkeypatch):
    # GIVEN the compact model, pre-extracted where the embedder looks first
    extracted = tmp_path / minilm.MODEL_NAME
    with zipfile.ZipFile(compacted / "model.zip") as archive:
        archive.extractall(extracted)
    monkeypatch.setenv("AGENTPAY_MODEL_CACHE", str(tmp_path))
    reference = json.loads((FIXTURES / "minilm_reference.json").read_text(encoding="utf-8"))
    expected = np.array([item["vector"] for item in reference["items"]])
    # WHEN it embeds the reference texts
    embedder = MiniLMEmbedder()
    got = embedder.embed([item["text"] for item in reference["items"]])
    # THEN each vector points where the full model's does (float32 weights: 0.9999999)
    assert got.dtype == np.float32
    assert cosines(got, expected).min() >= 0.995


def test_compact_static_table_gives_the_same_vectors(compacted, monkeypatch):
    full = StaticEmbedder().embed(TITLES)
    monkeypatch.setenv("AGENTPAY_STATIC_TABLE", str(compacted / TABLE_FILE))
    compact = StaticEmbedder().embed(TITLES)
    assert cosines(compact, full).min() >= 0.999
