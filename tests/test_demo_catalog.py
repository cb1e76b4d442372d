"""The demo catalog and its relevance set: deterministic, shaped like the catalog API's
products, and able to tell a good ranker from a bad one.

The two baselines live here, not in the package: a random ranker (the floor) and a plain
BM25 over name + description (what any search must beat). BM25 must score well above
random and clearly below 1.0, or the set could not measure a better search.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter, defaultdict

import pytest

from agentpay_dev.catalog.demo import (
    COLORS,
    FLAGSHIPS,
    SHOP,
    TYPES_BY_LABEL,
    generate_catalog,
    main,
    write_jsonl,
)
from agentpay_dev.catalog.relevance import (
    KINDS,
    QUERIES,
    RelevanceQuery,
    evaluate,
    judgments,
    matches,
    ndcg_at_k,
    validate,
)

FIELDS = {"external_id", "name", "description", "price", "currency", "compare_at_price",
          "category", "brand", "attributes", "variants", "image_url", "url", "active"}
VARIANT_FIELDS = {"sku", "color", "size", "stock"}


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    return generate_catalog(2000, seed=7)


# ---- baselines


def random_ranker(products: list[dict], seed: int = 0):
    ids = [p["external_id"] for p in products]

    def search(query: str, k: int) -> list[str]:
        return random.Random(f"{seed}:{query}").sample(ids, k)

    return search


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def bm25_ranker(products: list[dict], k1: float = 1.2, b: float = 0.75):
    """Okapi BM25 over name + description, no stemming, no synonyms: the plain baseline."""
    postings: dict[str, dict[int, int]] = defaultdict(dict)
    lengths = []
    for i, p in enumerate(products):
        tokens = _tokens(f"{p['name']} {p['description']}")
        lengths.append(len(tokens))
        for term, tf in Counter(tokens).items():
            postings[term][i] = tf
    n = len(products)
    avg = sum(lengths) / n

    def search(query: str, k: int) -> list[str]:
        scores: dict[int, float] = defaultdict(float)
        for term in set(_tokens(query)):
            docs = postings.get(term, {})
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            for i, tf in docs.items():
                scores[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[i] / avg))
        top = sorted(scores, key=lambda i: (-scores[i], i))[:k]
        return [products[i]["external_id"] for i in top]

    return search


# ---- the generator


def test_same_seed_same_catalog_other_seed_other_catalog():
    first = generate_catalog(400, seed=7)
    assert first == generate_catalog(400, seed=7)
    other = generate_catalog(400, seed=8)
    assert [p["name"] for p in first] != [p["name"] for p in other]


def test_a_longer_catalog_starts_with_the_shorter_one():
    assert generate_catalog(1200, seed=3)[:500] == generate_catalog(500, seed=3)


def test_products_have_exactly_the_catalog_api_fields(catalog):
    for p in catalog:
        assert set(p) == FIELDS
        assert isinstance(p["external_id"], str) and re.fullmatch(r"SKU-\d{6,}", p["external_id"])
        assert isinstance(p["name"], str) and p["name"].strip()
        assert isinstance(p["description"], str)
        assert type(p["price"]) is int and p["price"] > 0
        assert p["currency"] == "USD"
        cap = p["compare_at_price"]
        assert cap is None or (type(cap) is int and cap > p["price"])
        assert isinstance(p["category"], str) and isinstance(p["brand"], str)
        assert p["image_url"].startswith(f"{SHOP}/") and p["url"].startswith(f"{SHOP}/")
        assert isinstance(p["active"], bool)
        attrs = p["attributes"]
        assert attrs["product_type"] in TYPES_BY_LABEL
        assert isinstance(attrs["colors"], list) and all(c in COLORS for c in attrs["colors"])
        assert isinstance(attrs["sizes"], list) and attrs["sizes"]
        assert isinstance(attrs["material"], str)
        assert p["variants"]
        for v in p["variants"]:
            assert set(v) == VARIANT_FIELDS
            assert type(v["stock"]) is int and v["stock"] >= 0
            assert v["sku"].startswith(p["external_id"])
        assert len({v["sku"] for v in p["variants"]}) == len(p["variants"])
    json.dumps(catalog)  # plain JSON, nothing exotic


def test_products_pass_the_catalog_api_schema(catalog):
    from agentpay.catalog.schemas import ProductIn

    for p in catalog[:500]:
        ProductIn.model_validate(p)


def test_external_ids_are_unique_and_stable(catalog):
    ids = [p["external_id"] for p in catalog]
    assert len(set(ids)) == len(ids)
    assert ids[:3] == ["SKU-000001", "SKU-000002", "SKU-000003"]


def test_shares_look_like_a_real_catalog():
    products = generate_catalog(20_000, seed=7)
    n = len(products)
    sold_out = sum(all(v["stock"] == 0 for v in p["variants"]) for p in products) / n
    name_only = sum(p["description"] == "" for p in products) / n
    inactive = sum(not p["active"] for p in products) / n
    on_sale = sum(p["compare_at_price"] is not None for p in products) / n
    assert 0.065 < sold_out < 0.095
    assert 0.085 < name_only < 0.115
    assert 0.01 < inactive < 0.03
    assert 0.10 < on_sale < 0.25
    assert len({p["category"] for p in products}) >= 10
    assert len({p["attributes"]["product_type"] for p in products}) == len(TYPES_BY_LABEL)


def test_flagship_models_are_in_every_catalog_of_a_few_hundred(catalog):
    for seed in (7, 11):
        codes = {p["attributes"].get("model_number") for p in generate_catalog(300, seed=seed)}
        assert set(FLAGSHIPS) <= codes
    # and appear once each: one listing per model
    counts = Counter(p["attributes"].get("model_number") for p in catalog)
    assert all(counts[code] == 1 for code in FLAGSHIPS)


def test_near_duplicates_exist(catalog):
    by_type = Counter(p["attributes"]["product_type"] for p in catalog)
    assert by_type.most_common(1)[0][1] >= 20
    brands = defaultdict(set)
    for p in catalog:
        brands[p["attributes"]["product_type"]].add(p["brand"])
    assert sum(len(b) >= 2 for b in brands.values()) > len(brands) * 0.8


def test_cli_prints_json_lines(capsys):
    assert main(["--n", "5", "--seed", "7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == generate_catalog(5, seed=7)


def test_write_jsonl_round_trips(tmp_path):
    products = generate_catalog(20, seed=1)
    path = tmp_path / "demo.jsonl"
    write_jsonl(products, path)
    assert [json.loads(line) for line in path.read_text().splitlines()] == products


# ---- the relevance set


def test_query_set_is_valid_and_covers_every_kind():
    assert validate() == []
    assert len(QUERIES) >= 60
    assert {q.kind for q in QUERIES} == set(KINDS)
    assert len({q.query.lower() for q in QUERIES}) == len(QUERIES)


def test_validate_catches_typos_in_specs():
    bad = RelevanceQuery("x", "nonsense", {3: {"type": "Runing Shoe"}})
    assert len(validate([bad])) == 2


def test_every_query_has_a_perfect_answer_and_a_few_graded(catalog):
    for q in QUERIES:
        grades = judgments(q, catalog)
        assert 3 in grades.values(), q.query
        assert len(grades) >= 3, q.query


def test_grades_come_from_structured_fields():
    mug = {"external_id": "a", "price": 1500, "active": True,
           "attributes": {"product_type": "Coffee Mug", "capacity_oz": 12,
                          "colors": ["Sage"], "sizes": ["12 oz"]}}
    q = next(q for q in QUERIES if q.query == "12 oz mug")
    assert q.grade(mug) == 3
    assert q.grade({**mug, "attributes": {**mug["attributes"], "capacity_oz": 16}}) == 1
    assert q.grade({**mug, "active": False}) == 0
    assert matches(mug, {"color": "green", "price_max": 1500, "capacity_oz_min": 12})
    assert not matches(mug, {"color": "red"})
    assert not matches(mug, {"wattage_min": 10})


def test_ndcg_of_a_perfect_ranking_is_one_and_worse_rankings_score_lower(catalog):
    q = next(q for q in QUERIES if q.query == "IBD771C2")  # grades 3, 2 and 1
    grades = judgments(q, catalog)
    ideal = sorted(grades, key=lambda e: -grades[e])
    assert ndcg_at_k(ideal, grades) == pytest.approx(1.0)
    assert ndcg_at_k(list(reversed(ideal)), grades) < 1.0
    assert ndcg_at_k(ideal[:10][::-1], grades) < 1.0
    shuffled = ideal[:]
    random.Random(1).shuffle(shuffled)
    assert ndcg_at_k(shuffled, grades) < 1.0
    assert ndcg_at_k([], grades) == 0.0
    assert ndcg_at_k(["nope"], {}) == 0.0
    # repeating the best product earns nothing the second time
    assert ndcg_at_k([ideal[0]] * 10, grades) < ndcg_at_k(ideal, grades)


def test_ndcg_matches_a_hand_computed_value():
    grades = {"a": 3, "b": 2, "c": 1}
    got = ndcg_at_k(["c", "a", "x"], grades, k=10)
    dcg = 1 / math.log2(2) + 7 / math.log2(3)
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert got == pytest.approx(dcg / ideal)


def test_evaluate_reports_overall_per_kind_and_per_query(catalog):
    grades = {q.query: judgments(q, catalog) for q in QUERIES}

    def oracle(query: str, k: int) -> list[str]:
        g = grades[query]
        return sorted(g, key=lambda e: -g[e])[:k]

    report = evaluate(oracle, catalog, QUERIES)
    assert report["ndcg"] == pytest.approx(1.0)
    assert set(report["by_kind"]) == set(KINDS)
    assert len(report["queries"]) == len(QUERIES)


def test_bm25_beats_random_but_leaves_room_to_improve(catalog):
    bm25 = evaluate(bm25_ranker(catalog), catalog, QUERIES)
    rand = evaluate(random_ranker(catalog), catalog, QUERIES)
    assert rand["ndcg"] < 0.1
    assert bm25["ndcg"] > rand["ndcg"] + 0.3
    assert bm25["ndcg"] < 0.85
    # BM25 cannot read typos, synonyms or budgets: those kinds must stay hard for it
    assert min(bm25["by_kind"][k] for k in ("typo", "synonym", "price")) < 0.6
