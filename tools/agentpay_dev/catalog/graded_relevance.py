"""`agentpay bench relevance --catalog FILE --graded FILE`: nDCG@10 on data nobody here wrote.

Any store's catalog (JSON lines, as `catalog load` reads) and graded queries (JSON lines,
one query with its judged products each) go into a throwaway store; the project's search
and a plain BM25 over the product titles rank the same queries in one run. The BM25 is
the baseline a store would get from any search box: lowercase words, no stemming, no
synonyms, k1 1.2, b 0.75.

A graded-queries line: ``{"query": "...", "judgments": {"SKU-1": 2, "SKU-7": 1}}``, or
``"judgments": [{"external_id": "SKU-1", "grade": 2}, …]``. Grades are numbers (higher is
better, 0 irrelevant) or the words exact (2), partial (1) and irrelevant (0).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

from agentpay.kit.errors import InvalidInput
from agentpay_dev.catalog.bench import RELEVANCE_VARIANTS
from agentpay_dev.catalog.relevance import ndcg_at_k

GRADE_WORDS = {"exact": 2, "partial": 1, "irrelevant": 0}
_WORD = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class GradedQuery:
    query: str
    grades: dict[str, float]  # external id → grade, > 0 only


def _grade(value: Any, where: str) -> float:
    if isinstance(value, str) and value.strip().lower() in GRADE_WORDS:
        return float(GRADE_WORDS[value.strip().lower()])
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 \
            or not math.isfinite(value):
        raise InvalidInput(f"{where}: a grade is a number >= 0 or exact/partial/irrelevant",
                           code="bad_grade")
    return float(value)


def parse_graded(lines: Iterable[str]) -> list[GradedQuery]:
    """Graded queries from JSON lines; a malformed line is an error naming its number."""
    queries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"graded queries line {number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{where}: not JSON ({exc.msg})", code="bad_graded_line") from None
        if not isinstance(item, dict) or not isinstance(item.get("query"), str) \
                or not item["query"].strip():
            raise InvalidInput(f"{where}: needs a non-empty \"query\"", code="bad_graded_line")
        judged = item.get("judgments", item.get("grades"))
        pairs: list[tuple[Any, Any]]
        if isinstance(judged, Mapping):
            pairs = list(judged.items())
        elif isinstance(judged, list):
            pairs = []
            for entry in judged:
                if not isinstance(entry, Mapping):
                    raise InvalidInput(f"{where}: each judgment is an object",
                                       code="bad_graded_line")
                pairs.append((entry.get("external_id", entry.get("id")),
                              entry.get("grade", entry.get("label"))))
        else:
            raise InvalidInput(f"{where}: needs \"judgments\" (an object or a list)",
                               code="bad_graded_line")
        grades = {}
        for external_id, grade in pairs:
            if not isinstance(external_id, str | int) or isinstance(external_id, bool):
                raise InvalidInput(f"{where}: a judgment needs an external_id",
                                   code="bad_graded_line")
            value = _grade(grade, where)
            if value > 0:
                grades[str(external_id)] = value
        queries.append(GradedQuery(item["query"].strip(), grades))
    return queries


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class TitleBM25:
    """Okapi BM25 over product titles alone: the baseline."""

    def __init__(self, titles: Mapping[str, str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.length: dict[str, int] = {}
        for external_id, title in titles.items():
            counts = Counter(words(title))
            self.length[external_id] = sum(counts.values())
            for word, tf in counts.items():
                self.postings[word].append((external_id, tf))
        self.n = len(titles)
        self.average = fmean(self.length.values()) if self.length else 0.0

    def idf(self, word: str) -> float:
        df = len(self.postings.get(word, ()))
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def rank(self, query: str, k: int) -> list[str]:
        scores: dict[str, float] = defaultdict(float)
        for word in set(words(query)):
            idf = self.idf(word)
            for external_id, tf in self.postings.get(word, ()):
                norm = self.k1 * (1 - self.b + self.b * self.length[external_id] / self.average)
                scores[external_id] += idf * tf * (self.k1 + 1) / (tf + norm)
        return [e for e, _ in sorted(scores.items(), key=lambda s: (-s[1], s[0]))[:k]]


def read_catalog(path: Path) -> list[Any]:
    from agentpay_dev.catalog.commands import read_jsonl

    with path.open() as handle:
        items = list(read_jsonl(handle))
    bad = [n for n, item in items if isinstance(item, dict) and "__error__" in item]
    if bad:
        raise InvalidInput(f"catalog line {bad[0]}: not JSON", code="bad_catalog_line")
    return [item for _, item in items]


# The project's search as deployed ("project"), then the generated set's bench's other
# rankings, under the same names here as before ("shift_to_vector").
VARIANTS: dict[str, dict[str, Any]] = {
    {"weighted": "project", "weighted_shift": "shift_to_vector"}.get(name, name): options
    for name, options in RELEVANCE_VARIANTS.items()}


def _mean(per_query: Sequence[dict[str, Any]], key: str) -> float:
    return round(fmean(q[key] for q in per_query), 4) if per_query else 0.0


def bench_graded_relevance(db, catalog_path: Path, graded_path: Path,
                           k: int = 10) -> dict[str, Any]:
    """Load the catalog into a throwaway store, rank every graded query both ways."""
    from agentpay.catalog.search import search
    from agentpay.embeddings import get_embedder
    from agentpay_dev.catalog.bench import bench_org, load_inline
    from agentpay_dev.catalog.shopper_query import parse_shopper_query

    for path in (catalog_path, graded_path):
        if not path.is_file():
            raise InvalidInput(f"no such file: {path}", code="file_not_found")
    with graded_path.open() as handle:
        queries = parse_graded(handle)
    products = read_catalog(catalog_path)
    embedder = get_embedder()
    started = time.perf_counter()
    with bench_org(db, "bench-relevance-files") as org:
        load = load_inline(db, org, products, embedder)
        with db.connection() as conn:
            rows = conn.execute(
                "SELECT external_id, name FROM products WHERE organization_id = %s"
                " AND deleted_at IS NULL AND active", (org,)).fetchall()
            titles = {r["external_id"]: r["name"] for r in rows}
            baseline = TitleBM25(titles)
            loaded_s = time.perf_counter() - started
            per_query = []
            for q in queries:
                query_words, filters = parse_shopper_query(q.query)  # as `agentpay search`
                row = {"query": q.query, "judged": len(q.grades)}
                for name, options in VARIANTS.items():
                    ranked = [h.product["external_id"] for h in search(
                        conn, org, query_words, k=k, embedder=embedder, filters=filters,
                        **options)]
                    row[name] = ndcg_at_k(ranked, q.grades, k)
                row["bm25_titles"] = ndcg_at_k(baseline.rank(q.query, k), q.grades, k)
                per_query.append(row)
    project, bm25 = _mean(per_query, "project"), _mean(per_query, "bm25_titles")
    return {
        "embedder": embedder.name, "catalog": catalog_path.name, "graded": graded_path.name,
        "products": len(titles), "rejected": len(products) - len(titles),
        "queries": len(queries), "queries_with_judged_products": sum(
            1 for q in queries if q.grades),
        "k": k, "ndcg_at_10": {"project": project, "bm25_titles": bm25},
        "ratio_to_bm25": round(project / bm25, 3) if bm25 else None,
        # the project's search with other options, and each arm alone: what each adds
        "variants": {name: _mean(per_query, name) for name in VARIANTS if name != "project"},
        "load_s": round(loaded_s, 1), **{f"load_{key}": value for key, value in load.items()},
        # where the project loses most to the baseline: the queries to look at first
        "worst_against_bm25": sorted(
            ({key: (round(v, 3) if isinstance(v, float) else v) for key, v in q.items()
              if key in ("query", "judged", "project", "bm25_titles")}
             for q in per_query), key=lambda q: q["project"] - q["bm25_titles"])[:8],
    }
