"""The Lambda layers as `sam build` makes them, and the lock they are made from.

Why: what is tested must be what ships. Each layer is built here with its own Makefile,
as sam does (a scratch copy of the layer's folder, the Makefile's path in the source
tree, ARTIFACTS_DIR), and every distribution in it must carry the version uv.lock pins,
the version the test suite ran against.
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # builds every layer (downloads wheels on a fresh machine)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def uv_binary() -> str:
    """The repository's pinned uv (`make setup` installs it), else one on PATH."""
    pinned = ROOT / ".uv" / "bin" / "uv"
    found = str(pinned) if pinned.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv not found: run `make setup`")
    return found


def template_resources() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # The short-form CloudFormation tags only need to load, not to mean anything here.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    return yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader)["Resources"]


LAYERS = {
    logical_id: resource
    for logical_id, resource in template_resources().items()
    if resource["Type"] == "AWS::Serverless::LayerVersion"
}


@pytest.fixture(scope="module")
def built_layers(tmp_path_factory) -> dict[str, Path]:
    """Every layer built as `sam build` builds it; logical id -> its artifacts directory."""
    scratch = tmp_path_factory.mktemp("sam-build")
    built = {}
    for logical_id, layer in LAYERS.items():
        source = ROOT / layer["Properties"]["ContentUri"]
        work = scratch / "scratch" / logical_id
        shutil.copytree(source, work)
        artifacts = scratch / logical_id
        artifacts.mkdir()
        subprocess.run(
            ["make", "-s", "-f", str(source / "Makefile"), f"build-{logical_id}",
             f"ARTIFACTS_DIR={artifacts}"],
            cwd=work, check=True, capture_output=True, timeout=900,
        )
        built[logical_id] = artifacts
    return built


def distributions(layer_dir: Path) -> dict[str, str]:
    """Name -> version of every distribution installed in a built layer."""
    found = {}
    for dist_info in (layer_dir / "python").glob("*.dist-info"):
        metadata = email.parser.HeaderParser().parsestr(
            (dist_info / "METADATA").read_text(encoding="utf-8"))
        found[canonical(metadata["Name"])] = metadata["Version"]
    return found


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {canonical(p["name"]): p["version"] for p in lock["package"] if "version" in p}


def test_the_lock_matches_pyproject():
    # WHEN uv checks the lock against pyproject.toml (as `uv sync --locked` would)
    proc = subprocess.run([uv_binary(), "lock", "--check", "--project", str(ROOT)],
                          check=False, capture_output=True, text=True, timeout=300)
    # THEN it is up to date: run `uv lock` after editing the dependencies
    assert proc.returncode == 0, proc.stderr


def test_every_layer_ships_the_locked_versions(built_layers):
    locked = locked_versions()
    shipped: dict[str, str] = {}
    for logical_id, artifacts in built_layers.items():
        found = distributions(artifacts)
        # THEN each distribution is the lock's version, and none is in two layers
        assert {n: v for n, v in found.items() if locked.get(n) != v} == {}, logical_id
        assert set(found) & set(shipped) == set(), f"{logical_id} repeats another layer"
        shipped.update(found)
    # AND the layers carry the runtime's own packages nowhere
    assert {"boto3", "botocore", "s3transfer"} & set(shipped) == set()
    assert {"fastapi", "numpy", "anthropic", "openai", "tokenizers"} <= set(shipped)


def test_the_dependency_layers_leave_test_suites_and_scripts_behind(built_layers):
    for logical_id in ("DepsLayer", "LlmLayer", "EmbeddingLayer"):
        python = built_layers[logical_id] / "python"
        assert not (python / "bin").exists(), logical_id
        if logical_id == "DepsLayer":
            assert not [p for p in python.glob("*/**/tests") if p.is_dir()]
