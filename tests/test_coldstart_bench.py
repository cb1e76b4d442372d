"""`agentpay bench coldstart`: handler and bare stack in fresh interpreters, in turn, as JSON
(issue 22, item 3)."""

from __future__ import annotations

import json

from agentpay_dev.cli import main


def test_bench_coldstart_prints_each_handlers_import_against_the_bare_stack(capsys):
    # GIVEN one counted round (after the warm-up) for one handler, tracing off
    # WHEN the benchmark runs through the CLI
    assert main(["bench", "coldstart", "--runs", "1", "--tracing", "off",
                 "--handlers", "ws_disconnect"]) == 0
    # THEN the JSON holds its median import, the bare stack's and their ratio
    result = json.loads(capsys.readouterr().out)
    assert (result["runs"], result["tracing"]) == (1, False)
    figures = result["handlers"]["ws_disconnect"]
    assert figures["import_ms"] > 0 and figures["bare_import_ms"] > 0
    assert figures["ratio"] == round(figures["import_ms"] / figures["bare_import_ms"], 2)
    # and the handler's own modules came on top of the stack's
    assert figures["modules"] > figures["bare_modules"]


def test_bench_coldstart_serves_a_first_request_from_the_database(capsys, database_url):
    # GIVEN a database WHEN the benchmark also sends GET /healthz after the import
    assert main(["bench", "coldstart", "--runs", "1", "--tracing", "off",
                 "--handlers", "http_api", "--request"]) == 0
    figures = json.loads(capsys.readouterr().out)["handlers"]["http_api"]
    # THEN the handler answered from the database and both figures are there
    assert figures["first_request_status"] in (200, 503)
    assert figures["import_and_first_request_ms"] > figures["import_ms"]
    assert figures["bare_import_and_first_request_ms"] > figures["bare_import_ms"]
