"""`agentpay bench load`, tiny: one HTTP and one WebSocket shopper for two seconds against
a real dev stack, then the bare FastAPI baseline; the JSON has every figure and nothing
was lost."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("websockets", reason="the websockets client is a dev dependency")


def test_a_tiny_load_reports_every_figure_and_loses_nothing(db, capsys):
    from agentpay_dev.cli import main

    # GIVEN the test database (the bench makes its own organization, catalog and agent)
    # WHEN two shoppers load the stack for two seconds
    code = main(["bench", "load", "--shoppers", "2", "--duration", "2", "--products", "100"])

    # THEN stdout is the report
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shoppers"] == {"http": 1, "websocket": 1}
    assert report["rate_limits"].startswith("raised for the bench")
    for key in ("requests", "requests_per_s", "latency_ms", "errors", "messages_lost",
                "rate_limited_429", "bare_fastapi", "agentpay_http_p50_over_bare_p50"):
        assert key in report, key
    # every request was answered, and answered well
    assert report["requests"] > 0 and report["requests_per_s"] > 0
    assert report["messages_lost"] == 0, report["messages_lost_by_kind"]
    assert report["errors"] == 0, report["errors_by_kind"]
    assert report["rate_limited_429"] == 0
    # latency overall and per channel: both channels carried traffic
    for channel in ("overall", "http", "websocket"):
        figures = report["latency_ms"][channel]
        assert figures["n"] > 0, (channel, report)
        assert 0 < figures["p50"] <= figures["p95"] <= figures["p99"] <= figures["max"]
    assert report["latency_ms_by_request"]["websocket_message"]["n"] > 0
    # the bare baseline ran at the same concurrency, and the ratio is a real number
    bare = report["bare_fastapi"]
    assert bare["concurrency"] == 2
    assert bare["requests"] > 0 and bare["errors"] == 0 and bare["messages_lost"] == 0
    assert bare["latency_ms"]["p50"] > 0
    ratio = report["agentpay_http_p50_over_bare_p50"]
    assert isinstance(ratio, float) and ratio > 0
