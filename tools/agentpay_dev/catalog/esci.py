"""`agentpay catalog esci`: Amazon's Shopping Queries data (ESCI) as a catalog and graded
queries that `agentpay bench relevance --catalog --graded` reads.

ESCI (github.com/amazon-science/esci-data, Apache-2.0) has real shoppers' queries, each
with up to 40 products judged by people: Exact, Substitute, Complement or Irrelevant.
Any extract in its column names works: products with `product_id` and `product_title`
(and, when there, `product_description`, `product_bullet_point`, `product_brand`,
`product_color`), judgments with `query`, `product_id` and `esci_label`; CSV, or TSV (no
quoting) when the file ends in .tsv. The data is not part of this repository: a store's engineer points
this at their copy.

Grades: Exact 3, Substitute 2, Complement 1, Irrelevant 0, so nDCG's gains (2^g - 1) are
7, 3 and 1: a substitute (the right thing in the wrong size, say) is worth less than half
an exact match, a complement a little.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from agentpay.kit.errors import InvalidInput

ESCI_GRADES = {"E": 3, "S": 2, "C": 1, "I": 0}
PRICE_MINOR = 1999  # ESCI has no prices; the catalog needs one, and search ignores it
_TAG = re.compile(r"<[^>]{0,200}>")
_LIMITS = {"name": 500, "brand": 200, "description": 4000}


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="file_not_found")
    with path.open(newline="", encoding="utf-8") as handle:
        if path.suffix.lower() == ".tsv":  # tabs between fields, no quoting
            yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        else:
            yield from csv.DictReader(handle)


def _require(row: dict[str, str], columns: Iterable[str], path: Path) -> None:
    missing = [c for c in columns if c not in row]
    if missing:
        raise InvalidInput(f"{path.name}: no column {', '.join(missing)}",
                           code="missing_column")


def _text(value: str | None) -> str:
    """Plain text from a field that may carry HTML (ESCI's descriptions do)."""
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


def esci_products(path: Path) -> dict[str, dict[str, Any]]:
    """external id → catalog product, in `catalog load`'s format."""
    products: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(_rows(path)):
        if number == 0:
            _require(row, ("product_id", "product_title"), path)
        external_id, name = (row.get("product_id") or "").strip(), _text(row["product_title"])
        if not external_id or not name:
            continue
        product: dict[str, Any] = {"external_id": external_id, "name": name[:_LIMITS["name"]],
                                   "price": PRICE_MINOR, "currency": "USD"}
        description = " ".join(_text(row.get(k)) for k in ("product_description",
                                                            "product_bullet_point")).strip()
        if description:
            product["description"] = description[:_LIMITS["description"]]
        if brand := _text(row.get("product_brand")):
            product["brand"] = brand[:_LIMITS["brand"]]
        if color := _text(row.get("product_color")):
            product["attributes"] = {"color": color[:100]}
        products.setdefault(external_id, product)
    return products


def esci_graded(path: Path, known: set[str]) -> tuple[list[dict[str, Any]], Counter]:
    """Graded queries in judgment order; judgments of products not in `known` are left
    out (and counted), so every judged product can be found."""
    queries: dict[str, dict[str, int]] = {}
    counts: Counter = Counter()
    for number, row in enumerate(_rows(path)):
        if number == 0:
            _require(row, ("query", "product_id", "esci_label"), path)
        query, external_id = " ".join((row["query"] or "").split()), row["product_id"].strip()
        label = (row["esci_label"] or "").strip().upper()[:1]
        if not query or label not in ESCI_GRADES:
            counts["skipped_rows"] += 1
            continue
        if external_id not in known:
            counts["judgments_without_product"] += 1
            continue
        queries.setdefault(query, {})[external_id] = ESCI_GRADES[label]
        counts[f"label_{label}"] += 1
    return [{"query": q, "judgments": j} for q, j in queries.items()], counts


def build_esci_set(products_path: Path, judgments_path: Path, out: Path) -> dict[str, Any]:
    """Write `catalog.jsonl` and `graded.jsonl` under `out`; return the counts."""
    products = esci_products(products_path)
    graded, counts = esci_graded(judgments_path, set(products))
    if not graded:
        raise InvalidInput("no judgment names a product of the products file",
                           code="empty_set")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "catalog.jsonl").open("w") as handle:
        handle.writelines(json.dumps(p) + "\n" for p in products.values())
    with (out / "graded.jsonl").open("w") as handle:
        handle.writelines(json.dumps(q) + "\n" for q in graded)
    return {"products": len(products), "queries": len(graded),
            "judgments": sum(len(q["judgments"]) for q in graded),
            "grades": {"exact": 3, "substitute": 2, "complement": 1, "irrelevant": 0},
            **dict(sorted(counts.items())),
            "catalog": str(out / "catalog.jsonl"), "graded": str(out / "graded.jsonl")}
