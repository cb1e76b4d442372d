"""`agentpay bench intents`: the dataset mapping, the arithmetic and the report shape,
on a tiny synthetic dataset folder in the real file formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentpay_dev.understanding import bench
from agentpay_dev.understanding.commands import run_bench_intents

BITEXT_ROWS = [
    # utterance, intent, entity_type, entity_value, start, end
    ("please cancel order 1135426", "cancel_order", "order_id", "1135426", 20, 27),
    ("where is my package?", "track_order", "", "", "", ""),
    ("I expect a refund of $160", "get_refund", "refund_amount", "160", 22, 25),
    ("can I get the invoice #37777", "get_invoice", "invoice_id", "#37777", 22, 28),
    ("I'd like to leave a review", "review", "", "", "", ""),  # left out of scoring
]
CLINC = {
    "train": [["this is training data", "weather"]],
    "val": [
        ["hello there", "greeting"],
        ["what's the weather like in Paris tomorrow", "weather"],
        ["tell me a joke", "tell_joke"],
        ["add milk to my shopping list", "shopping_list_update"],  # left out
        ["my card was declined at the store", "card_declined"],
    ],
    "oos_train": [],
    "oos_val": [["how tall is mount everest", "oos"]],
}
WANDS = [("0", "navy blue sofa", "Sofas"), ("1", "salon chair", "Massage Chairs")]


@pytest.fixture()
def datasets(tmp_path: Path) -> Path:
    (tmp_path / "bitext").mkdir()
    with (tmp_path / "bitext" / "dev.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["utterance", "intent", "entity_type", "entity_value", "start_offset",
                    "end_offset", "category", "tags"])
        for row in BITEXT_ROWS:
            w.writerow([*row, "X", "B"])
    (tmp_path / "clinc150").mkdir()
    (tmp_path / "clinc150" / "data_dev.json").write_text(json.dumps(CLINC))
    (tmp_path / "wands").mkdir()
    with (tmp_path / "wands" / "query_dev.tsv").open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(["query_id", "query", "query_class"])
        w.writerows(WANDS)
    return tmp_path


def test_loading_maps_labels_exactly_and_skips_the_left_out(datasets: Path) -> None:
    examples, bitext_rows = bench.load_all(datasets)
    got = [(e.dataset, e.text, e.gold) for e in examples]
    assert ("bitext", "please cancel order 1135426", "order_change") in got
    assert ("bitext", "can I get the invoice #37777", "order_status") in got
    assert ("clinc150", "my card was declined at the store", "payment_help") in got
    assert ("clinc150", "tell me a joke", "unknown") in got
    assert ("clinc150", "how tall is mount everest", "unknown") in got
    assert ("wands", "salon chair", "product_search") in got
    texts = {e.text for e in examples}
    assert "I'd like to leave a review" not in texts
    assert "add milk to my shopping list" not in texts
    assert "this is training data" not in texts  # only val + oos_val are scored
    assert len(examples) == 4 + 5 + 2
    assert len(bitext_rows) == 5  # entity scoring sees every row


def test_run_bench_reports_every_figure(datasets: Path) -> None:
    out = io.StringIO()
    report = run_bench_intents(datasets, "none", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(report))
    for key in ("accuracy", "macro_f1", "unknown_recall", "rules_share", "rules_p50_us",
                "rules_p99_us", "p50_us", "p99_us", "per_dataset", "per_intent", "counts",
                "entities"):
        assert key in report, key
    assert report["counts"]["total"] == 11
    assert report["per_dataset"]["wands"]["count"] == 2
    assert report["per_dataset"]["clinc150"]["count"] == 5
    assert report["rules_share"] == 1.0  # no embedder: the rules decide everything
    # these messages are unambiguous; every one should be right
    assert report["accuracy"] == 1.0 and report["macro_f1"] == 1.0
    assert report["unknown_recall"] == 1.0
    ents = report["entities"]
    assert ents["bitext_order_id"] == {"precision": 1.0, "recall": 1.0, "gold": 1,
                                       "predicted": 1}
    assert ents["bitext_amount"]["recall"] == 1.0
    # "navy blue": both words are reference colours, one entity covers both
    assert ents["wands_color"] == {"recall": 1.0, "gold": 2, "found": 2}


def test_macro_f1_of_a_known_confusion() -> None:
    # GIVEN 4 golds a,a,b,b WHEN one b is predicted as a
    golds = ["a", "a", "b", "b"]
    preds = ["a", "a", "a", "b"]
    # THEN a: P=2/3 R=1 F1=0.8; b: P=1 R=1/2 F1=2/3; macro = 0.7333
    table = bench.per_label_f1(golds, preds)
    assert table["a"]["f1"] == pytest.approx(0.8)
    assert table["b"]["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert bench.macro_f1(golds, preds) == pytest.approx((0.8 + 2 / 3) / 2, abs=1e-4)


def test_labels_only_predicted_do_not_enter_macro_f1_but_cost_precision() -> None:
    golds = ["a", "a"]
    preds = ["a", "c"]  # "c" never occurs in the gold data
    # a: P=1, R=1/2 -> F1 = 2/3; macro over gold labels only
    assert bench.macro_f1(golds, preds) == pytest.approx(2 / 3, abs=1e-4)


def test_score_arithmetic_with_a_scripted_classifier() -> None:
    examples = [bench.Example("x1", "unknown", "d1"), bench.Example("x2", "unknown", "d1"),
                bench.Example("x3", "greeting", "d2"), bench.Example("x4", "greeting", "d2")]
    answers = {"x1": ("unknown", "rules"), "x2": ("greeting", "semantic"),
               "x3": ("greeting", "rules"), "x4": ("greeting", "semantic")}

    def fake(text: str) -> SimpleNamespace:
        intent, source = answers[text]
        return SimpleNamespace(intent=intent, source=source)

    report = bench.score(examples, fake)
    assert report["accuracy"] == 0.75
    assert report["unknown_recall"] == 0.5
    assert report["rules_share"] == 0.5
    assert report["per_dataset"] == {"d1": {"accuracy": 0.5, "count": 2},
                                     "d2": {"accuracy": 1.0, "count": 2}}
    # unknown: P=1 R=.5 F1=.6667; greeting: P=2/3 R=1 F1=.8
    assert report["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert report["top_confusions"] == [{"gold": "unknown", "predicted": "greeting",
                                         "count": 1}]


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert bench.percentile(values, 50) == 50
    assert bench.percentile(values, 99) == 99
    assert bench.percentile([], 99) == 0.0


def test_datasets_dir_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AGENTPAY_DATASETS_DIR", str(tmp_path))
    assert bench.default_datasets_dir() == tmp_path
    monkeypatch.delenv("AGENTPAY_DATASETS_DIR")
    assert bench.default_datasets_dir().parts[-2:] == ("shared", "datasets")
