"""Bodies of `agentpay classify` and `agentpay bench intents` (the CLI only parses
arguments and calls these), kept here so tests drive them without a subprocess."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from agentpay.understanding.classifier import Classifier, default_embedder, get_classifier
from agentpay.understanding.entities import extract_entities
from agentpay.understanding.rules import classify_rules
from agentpay_dev.understanding import bench


def run_classify(stdin: TextIO, stdout: TextIO, classifier: Classifier | None = None,
                 context: Mapping[str, Any] | None = None) -> int:
    """One message per input line, one JSON object per output line, in order.

    A blank line still gets its answer (`unknown`) so output line n always belongs to
    input line n; each line is flushed at once so the command works interactively.
    """
    clf = classifier or get_classifier()
    for line in stdin:
        result = clf.classify(line.rstrip("\r\n"), context)
        stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def run_bench_intents(datasets_dir: Path | None = None, embedder_name: str | None = None,
                      stdout: TextIO | None = None) -> dict[str, Any]:
    """Score the classifier offline (rules + semantic, never an LLM) on the mapped
    public datasets and return the report; print it as JSON when `stdout` is given.

    `datasets_dir` defaults to AGENTPAY_DATASETS_DIR or `<repo>/../shared/datasets`.
    `embedder_name` picks the semantic layer's embedder ("local", "hashing", ...; None
    means the configured default, "none" means rules only).
    """
    root = Path(datasets_dir) if datasets_dir else bench.default_datasets_dir()
    embedder = default_embedder(embedder_name)
    classifier = Classifier(embedder, None)
    examples, bitext_rows = bench.load_all(root)
    wands = [ex.text for ex in examples if ex.dataset == "wands"]

    def extract(text: str) -> list[dict[str, Any]]:
        return extract_entities(text)

    report = bench.score(examples, classifier.classify, classify_rules,
                         bitext_rows=bitext_rows, extract=extract, wands_queries=wands)
    report = {
        "datasets_dir": str(root),
        "embedder": (getattr(embedder, "name", type(embedder).__name__)
                     if embedder is not None else None),
        "rule_threshold": classifier.rule_threshold,
        **report,
    }
    if stdout is not None:
        stdout.write(json.dumps(report, indent=2) + "\n")
    return report
