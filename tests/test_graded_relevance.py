"""`agentpay bench relevance --catalog --graded`: nDCG@10 of the project's search and of a
plain BM25 over titles, on any catalog and graded queries (here a small set written for
this test)."""

from __future__ import annotations

import json

import pytest

from catalog_helpers import product

CATALOG = [
    product("boot-1", "Waterproof Leather Hiking Boot", 15900, category="Footwear",
            brand="Ridgeline", description="Lugged sole for wet trails."),
    product("boot-2", "Lightweight Hiking Boot", 11900, category="Footwear",
            brand="Ridgeline"),
    product("shoe-1", "Road Running Shoe", 9900, category="Footwear", brand="Stridewell"),
    product("shoe-2", "Trail Running Shoe", 12900, category="Footwear", brand="Stridewell",
            description="Grippy outsole for muddy trails."),
    product("sofa-1", "Velvet Three Seat Sofa", 89900, category="Furniture",
            description="Deep seats in emerald velvet."),
    product("sofa-2", "Linen Loveseat", 54900, category="Furniture",
            description="A two seat sofa in natural linen."),
    product("lamp-1", "Brass Floor Lamp", 12900, category="Lighting"),
    product("lamp-2", "Ceramic Table Lamp", 6900, category="Lighting"),
    product("mug-1", "Stoneware Coffee Mug", 1800, category="Kitchen"),
    product("kettle-1", "Gooseneck Electric Kettle", 7900, category="Kitchen",
            description="Pour-over coffee made easy."),
]

GRADED = [
    {"query": "hiking boots", "judgments": {"boot-1": 2, "boot-2": 2, "shoe-2": 1}},
    {"query": "couch", "judgments": [{"external_id": "sofa-1", "grade": "exact"},
                                     {"external_id": "sofa-2", "grade": "exact"},
                                     {"external_id": "lamp-1", "grade": "irrelevant"}]},
    {"query": "something to make pour over coffee", "judgments": {"kettle-1": 2, "mug-1": 1}},
    {"query": "trail runners", "judgments": {"shoe-2": 2, "shoe-1": 1}},
]


def _files(tmp_path, catalog=CATALOG, graded=GRADED):
    catalog_path, graded_path = tmp_path / "catalog.jsonl", tmp_path / "graded.jsonl"
    catalog_path.write_text("".join(json.dumps(p) + "\n" for p in catalog))
    graded_path.write_text("".join(json.dumps(g) + "\n" for g in graded))
    return catalog_path, graded_path


def test_graded_queries_read_both_shapes_and_grade_words():
    from agentpay_dev.catalog.graded_relevance import parse_graded

    queries = parse_graded([json.dumps(g) for g in GRADED] + [""])

    assert [q.query for q in queries] == [g["query"] for g in GRADED]
    assert queries[0].grades == {"boot-1": 2, "boot-2": 2, "shoe-2": 1}
    assert queries[1].grades == {"sofa-1": 2, "sofa-2": 2}  # irrelevant: not a gain


@pytest.mark.parametrize("line, code", [
    ("not json", "bad_graded_line"),
    ('{"judgments": {}}', "bad_graded_line"),
    ('{"query": "x"}', "bad_graded_line"),
    ('{"query": "x", "judgments": {"a": -1}}', "bad_grade"),
    ('{"query": "x", "judgments": {"a": "great"}}', "bad_grade"),
    ('{"query": "x", "judgments": [{"grade": 1}]}', "bad_graded_line"),
])
def test_a_bad_graded_line_is_a_clear_error_naming_it(line, code):
    from agentpay.kit.errors import InvalidInput
    from agentpay_dev.catalog.graded_relevance import parse_graded

    with pytest.raises(InvalidInput) as caught:
        parse_graded(['{"query": "fine", "judgments": {}}', line])
    assert caught.value.code == code and "line 2" in caught.value.message


def test_bm25_weighs_rare_words_and_short_titles():
    from agentpay_dev.catalog.graded_relevance import TitleBM25

    bm25 = TitleBM25({"a": "red running shoe", "b": "running shoe", "c": "red mug",
                      "d": "blue running shoe for long distance road racing"})

    # both words first; then "red", rarer than "shoe", in a short title
    assert bm25.rank("red shoe", 4)[:2] == ["a", "c"]
    assert bm25.rank("running shoe", 3) == ["b", "a", "d"]
    assert bm25.rank("sofa", 3) == []


def test_the_bench_ranks_graded_queries_both_ways_in_one_run(db, tmp_path, capsys):
    from agentpay_dev.cli import main

    catalog_path, graded_path = _files(tmp_path)

    assert main(["bench", "relevance", "--catalog", str(catalog_path),
                 "--graded", str(graded_path)]) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["products"] == len(CATALOG) and report["queries"] == len(GRADED)
    ndcg = report["ndcg_at_10"]
    assert 0 < ndcg["project"] <= 1 and 0 <= ndcg["bm25_titles"] <= 1
    # words BM25 over titles cannot connect ("couch" → sofa, loveseat) and the project can
    couch = next(q for q in report["worst_against_bm25"] if q["query"] == "couch")
    assert couch["bm25_titles"] == 0 and couch["project"] > 0
    assert report["ratio_to_bm25"] == pytest.approx(ndcg["project"] / ndcg["bm25_titles"],
                                                    abs=0.01)
    # the other rankings and each arm alone, over the same queries: the vector alone
    # finds the couch, the words alone cannot
    variants = report["variants"]
    assert set(variants) == {"shift_to_vector", "cover_density", "rrf", "lexical_only",
                             "vector_only"}
    assert all(0 <= v <= 1 for v in variants.values())
    assert variants["vector_only"] > 0
    # the throwaway store is gone
    with db.connection() as conn:
        assert not conn.execute("SELECT 1 FROM organizations WHERE name ="
                                " 'bench-relevance-files'").fetchone()


def test_files_missing_or_half_given_are_clear_errors(db, tmp_path, capsys):
    from agentpay_dev.cli import main

    catalog_path, _ = _files(tmp_path)
    assert main(["bench", "relevance", "--catalog", str(catalog_path)]) == 2
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["error"]["code"] == \
        "missing_argument"
    assert main(["bench", "relevance", "--catalog", str(catalog_path),
                 "--graded", str(tmp_path / "nope.jsonl")]) == 2
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["error"]["code"] == \
        "file_not_found"
