"""`agentpay bench realtime`'s load run, scaled down: shoppers at once over real sockets
to a real `agentpay dev` subprocess, each message answered by an agent_message."""

from __future__ import annotations

import pytest

pytest.importorskip("websockets.asyncio.client",
                    reason="the websockets client is a dev dependency")


def test_each_shopper_plays_a_visit_then_the_next():
    from agentpay_dev.realtime.bench import SHOPPERS, shopper_messages

    first, second = shopper_messages(0, 20), shopper_messages(1, 20)
    assert first[:len(SHOPPERS[0])] == list(SHOPPERS[0])
    assert first[len(SHOPPERS[0]):] == list(SHOPPERS[1])[:20 - len(SHOPPERS[0])]
    assert second[:len(SHOPPERS[1])] == list(SHOPPERS[1])
    assert len(shopper_messages(2, 200)) == 200  # cycles through every visit


def test_the_cli_scales_the_load_run():
    from agentpay_dev.cli import build_parser

    args = build_parser().parse_args(["bench", "realtime", "--load-conversations", "3",
                                      "--load-messages", "4"])
    assert (args.load_conversations, args.load_messages) == (3, 4)
    defaults = build_parser().parse_args(["bench", "realtime"])
    assert (defaults.load_conversations, defaults.load_messages) == (50, 20)


def test_a_small_load_run_loses_no_message(db):
    from agentpay_dev.realtime.bench import bench_realtime

    # GIVEN the dev stack over a small demo catalog, and three shoppers of three messages
    # WHEN they all talk at once (and nothing else of the bench runs)
    result = bench_realtime(db, pings=0, messages=0, tabs=0, products=60,
                            load_conversations=3, load_messages=3)
    # THEN every message got its agent_message, and the counts add up
    load = result["load"]
    assert set(result) >= {"load", "stack_startup_s"}
    assert not {"ping_rtt_ms", "message", "broadcast_one_message"} & set(result)
    assert (load["conversations"], load["messages_per_conversation"]) == (3, 3)
    assert load["messages_sent"] == 9 and load["messages_unsent"] == 0
    assert load["agent_messages_received"] == 9
    assert load["messages_lost"] == 0
    assert load["errors"] == 0, load["errors_by_kind"]
    assert load["latency_ms"]["n"] == 9
    assert 0 < load["latency_ms"]["p50"] <= load["latency_ms"]["p95"] <= load[
        "latency_ms"]["p99"] <= load["latency_ms"]["max"]
    assert load["throughput_msg_s"] > 0 and load["duration_s"] > 0
