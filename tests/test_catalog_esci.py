"""`agentpay catalog esci`: an extract of Amazon's Shopping Queries data (ESCI) in its own
column names becomes a catalog and graded queries for `bench relevance --catalog --graded`
(here a few rows written for this test, not ESCI's)."""

from __future__ import annotations

import csv
import json

from agentpay_dev.cli import main

PRODUCTS = [
    {"product_id": "B000TEST01", "product_title": "Stainless Steel Kettle, 1.7 L",
     "product_description": "<p>Boils fast &amp; quietly.</p>", "product_brand": "Kettleco",
     "product_color": "Silver"},
    {"product_id": "B000TEST02", "product_title": 'Glass Kettle with "Blue" LED',
     "product_description": "", "product_brand": "", "product_color": ""},
    {"product_id": "B000TEST03", "product_title": "Kettle Descaler, 4 Pack",
     "product_description": "Lifts limescale,\nno scrubbing.", "product_brand": "",
     "product_color": ""},
]
JUDGMENTS = [
    ("1", "electric kettle", "B000TEST01", "E"),
    ("1", "electric kettle", "B000TEST02", "S"),
    ("1", "electric kettle", "B000TEST03", "C"),
    ("1", "electric kettle", "B000MISSING", "E"),
    ("2", "glass  kettle", "B000TEST02", "E"),
    ("2", "glass  kettle", "B000TEST01", "I"),
    ("3", "kettle descaler", "B000TEST03", "exact"),
]


def _write(tmp_path, tsv=False):
    suffix = ".tsv" if tsv else ".csv"
    products, judgments = tmp_path / f"products{suffix}", tmp_path / f"judgments{suffix}"
    rows = [["query_id", "query", "product_id", "esci_label"], *JUDGMENTS]
    if tsv:  # tab-separated, no quoting: a quote is a character like any other
        products.write_text("".join("\t".join(
            str(v).replace("\n", " ") for v in row) + "\n"
            for row in [list(PRODUCTS[0]), *(p.values() for p in PRODUCTS)]))
        judgments.write_text("".join("\t".join(row) + "\n" for row in rows))
        return products, judgments
    with products.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(PRODUCTS[0]))
        writer.writeheader()
        writer.writerows(PRODUCTS)
    with judgments.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return products, judgments


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_products_and_judgments_become_a_catalog_and_graded_queries(tmp_path, capsys):
    products, judgments = _write(tmp_path)
    out = tmp_path / "set"

    assert main(["catalog", "esci", "--products", str(products), "--judgments",
                 str(judgments), "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)

    catalog = {p["external_id"]: p for p in _lines(out / "catalog.jsonl")}
    assert catalog["B000TEST01"] == {
        "external_id": "B000TEST01", "name": "Stainless Steel Kettle, 1.7 L", "price": 1999,
        "currency": "USD", "description": "Boils fast & quietly.", "brand": "Kettleco",
        "attributes": {"color": "Silver"}}
    assert catalog["B000TEST02"]["name"] == 'Glass Kettle with "Blue" LED'
    assert "brand" not in catalog["B000TEST02"] and "description" not in catalog["B000TEST02"]
    assert catalog["B000TEST03"]["description"] == "Lifts limescale, no scrubbing."
    # Exact 3, Substitute 2, Complement 1, Irrelevant 0; a product not in the file is left
    # out; the query's spaces are normalised; a label is read by its first letter
    assert _lines(out / "graded.jsonl") == [
        {"query": "electric kettle",
         "judgments": {"B000TEST01": 3, "B000TEST02": 2, "B000TEST03": 1}},
        {"query": "glass kettle", "judgments": {"B000TEST02": 3, "B000TEST01": 0}},
        {"query": "kettle descaler", "judgments": {"B000TEST03": 3}}]
    assert report["products"] == 3 and report["queries"] == 3 and report["judgments"] == 6
    assert report["judgments_without_product"] == 1


def test_the_set_is_what_bench_relevance_reads(db, tmp_path, capsys):
    products, judgments = _write(tmp_path, tsv=True)
    out = tmp_path / "set"
    assert main(["catalog", "esci", "--products", str(products), "--judgments",
                 str(judgments), "--out", str(out)]) == 0
    capsys.readouterr()

    assert main(["bench", "relevance", "--catalog", str(out / "catalog.jsonl"),
                 "--graded", str(out / "graded.jsonl")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["products"] == 3 and report["queries"] == 3
    assert report["queries_with_judged_products"] == 3
    names = {json.loads(line)["name"] for line in (out / "catalog.jsonl").open()}
    assert 'Glass Kettle with "Blue" LED' in names
    assert 0 < report["ndcg_at_10"]["project"] <= 1


def test_a_file_without_esci_columns_is_a_clear_error(tmp_path, capsys):
    products, judgments = _write(tmp_path)
    products.write_text("id,title\nB1,Kettle\n")

    assert main(["catalog", "esci", "--products", str(products), "--judgments",
                 str(judgments), "--out", str(tmp_path / "set")]) == 2
    error = json.loads(capsys.readouterr().err.strip().splitlines()[-1])["error"]
    assert error["code"] == "missing_column" and "product_id" in error["message"]
    assert main(["catalog", "esci", "--products", str(tmp_path / "nope.csv"), "--judgments",
                 str(judgments), "--out", str(tmp_path / "set")]) == 2
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["error"]["code"] == \
        "file_not_found"
