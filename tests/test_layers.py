"""The Lambda layers as `sam build` makes them, the lock they are made from, their size.

Why: what is tested must be what ships. Each layer and function is built here with its
own Makefile, as sam does (a scratch copy of its folder, the Makefile's path in the
source tree, ARTIFACTS_DIR); every distribution in a layer must carry the version
uv.lock pins, the version the test suite ran against; and every function with its layers
must unpack within our budget, well below Lambda's hard limit of 250 MB, so that the next
dependency does not stop the stack from deploying.
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

    def tag(loader, suffix, node):
        value = (loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
                 else loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
                 else None)
        return {suffix: value}  # {"Ref": name}, {"If": [condition, then, else]}, ...

    Loader.add_multi_constructor("!", tag)
    return yaml.load((ROOT / "template.yaml").read_text(encoding="utf-8"), Loader)["Resources"]


RESOURCES = template_resources()
LAYERS = {logical_id: resource for logical_id, resource in RESOURCES.items()
          if resource["Type"] == "AWS::Serverless::LayerVersion"}
FUNCTIONS = {logical_id: resource for logical_id, resource in RESOURCES.items()
             if resource["Type"] == "AWS::Serverless::Function"}
BUDGET_MIB = 180  # Lambda's hard limit is 250 MB for a function and all its layers


def sam_build(source: Path, logical_id: str, scratch: Path) -> Path:
    """Run source/Makefile's build target as sam does; returns ARTIFACTS_DIR."""
    work = scratch / "scratch" / logical_id
    shutil.copytree(source, work)
    artifacts = scratch / logical_id
    artifacts.mkdir()
    subprocess.run(["make", "-s", "-f", str(source / "Makefile"), f"build-{logical_id}",
                    f"ARTIFACTS_DIR={artifacts}"],
                   cwd=work, check=True, capture_output=True, timeout=900)
    return artifacts


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every layer and function built as `sam build` builds it; logical id -> artifacts."""
    scratch = tmp_path_factory.mktemp("sam-build")
    out = {}
    for logical_id, resource in LAYERS.items():
        out[logical_id] = sam_build(ROOT / resource["Properties"]["ContentUri"], logical_id,
                                    scratch)
    for logical_id, resource in FUNCTIONS.items():
        out[logical_id] = sam_build(ROOT / resource["Properties"]["CodeUri"], logical_id,
                                    scratch)
    return out


@pytest.fixture(scope="module")
def built_layers(built) -> dict[str, Path]:
    return {logical_id: built[logical_id] for logical_id in LAYERS}


def unpacked_mib(directory: Path) -> float:
    """What Lambda counts: the bytes of every file, unzipped."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2**20


def function_layers(function: dict) -> list[str]:
    """The layers a function gets with the template's defaults (EmbeddingProvider local)."""
    names = []
    for entry in function["Properties"].get("Layers", []):
        if "If" in entry:  # [UseLocalEmbeddings, !Ref Layer, !Ref AWS::NoValue]
            entry = entry["If"][1]
        names.append(entry["Ref"])
    return names


def distributions(layer_dir: Path) -> dict[str, str]:
    """Name -> version of every distribution installed in a built layer."""
    found = {}
    for dist_info in (layer_dir / "python").glob("*.dist-info"):
        metadata = email.parser.HeaderParser().parsestr(
            (dist_info / "METADATA").read_text(encoding="utf-8"))
        found[canonical(metadata["Name"])] = metadata["Version"]
    return found


def locked_versions() -> dict[str, set[str]]:
    """Name -> the versions uv.lock holds (one per package: fork-strategy "fewest")."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(canonical(package["name"]), set()).add(package.get("version"))
    return versions


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
        # THEN each distribution is the lock's one version of it (the venv's too, whatever
        # its Python), and none is in two layers
        assert {n: v for n, v in found.items() if locked.get(n) != {v}} == {}, logical_id
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


def test_every_function_with_its_layers_unpacks_within_the_budget(built):
    # GIVEN each function's code and the layers the template gives it, as sam builds them
    sizes = {logical_id: unpacked_mib(built[logical_id])
             + sum(unpacked_mib(built[layer]) for layer in function_layers(function))
             for logical_id, function in FUNCTIONS.items()}
    # THEN each unpacks within the budget (the figures are printed for the record)
    print({name: round(unpacked_mib(built[name]), 1) for name in sorted(LAYERS)})
    print({logical_id: round(size, 1) for logical_id, size in sorted(sizes.items())})
    assert {n: round(s, 1) for n, s in sizes.items() if s > BUDGET_MIB} == {}
    # AND the functions that call models do carry the embedder and the LLM SDKs
    assert {"EmbeddingLayer", "LlmLayer"} <= set(function_layers(FUNCTIONS["HttpApiFunction"]))
