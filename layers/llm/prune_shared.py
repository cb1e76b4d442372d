"""Remove from a built layer the distributions that another layer already provides.

Usage: python prune_shared.py TARGET OTHER_REQUIREMENTS [pip platform flags...]

The LLM SDKs share pydantic, anyio, typing-extensions, ... with DepsLayer. Lambda unpacks
layers into one /opt in order, so two copies would be overlaid file by file; shipping each
distribution once keeps the layers small and the installed files consistent. The other
layer's set is resolved with the same pip flags (a dry run, nothing is downloaded twice).
A distribution whose resolved versions differ is kept, with a warning.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import tempfile
from email.parser import HeaderParser
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def provided_by(requirements: str, pip_flags: list[str]) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
             "--quiet", "--disable-pip-version-check", "--report", str(report),
             "--target", str(Path(scratch) / "t"), *pip_flags, "-r", requirements],
            check=True,
        )
        installs = json.loads(report.read_text())["install"]
    return {canonical(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}


def remove_distribution(target: Path, dist_info: Path) -> None:
    with (dist_info / "RECORD").open(newline="") as fh:
        for row in csv.reader(fh):
            path = (target / row[0]).resolve()
            if target in path.parents and path.is_file():
                path.unlink()
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
    if dist_info.exists():
        for leftover in dist_info.iterdir():
            leftover.unlink()
        dist_info.rmdir()


def main() -> int:
    target = Path(sys.argv[1]).resolve()
    provided = provided_by(sys.argv[2], sys.argv[3:])
    for dist_info in sorted(target.glob("*.dist-info")):
        meta = HeaderParser().parsestr((dist_info / "METADATA").read_text(encoding="utf-8"))
        name, version = canonical(meta["Name"]), meta["Version"]
        if name not in provided:
            continue
        if provided[name] != version:
            print(f"warning: keeping {name} {version} (other layer has {provided[name]})",
                  file=sys.stderr)
            continue
        remove_distribution(target, dist_info)
        print(f"shared with the other layer, removed: {name} {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
