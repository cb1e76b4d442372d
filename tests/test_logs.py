"""Logs from a full conversation through the Lambda handler: structured, correlated,
and free of keys, tokens, emails, phone numbers and card numbers."""

from __future__ import annotations

import copy
import json
import logging
import re

from conftest import load_event, load_handler

SECRETS_IN_TEXT = ["jane.doe@example.com", "+1 415-555-0134", "4111 1111 1111 1111"]


def _event(path: str, token: str, body: dict, method: str = "POST") -> dict:
    event = copy.deepcopy(load_event("http_api_create_agent.json"))
    raw = f"/prod{path}"
    payload = json.dumps(body)
    event["rawPath"] = raw
    event["requestContext"]["http"].update(method=method, path=raw)
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["headers"].update({"authorization": f"Bearer {token}",
                             "content-length": str(len(payload))})
    event["body"] = payload
    return event


def test_a_conversations_logs_are_correlated_and_redacted(capfd, tenant, lambda_context):
    import sys

    handler = load_handler("http_api").handler
    # the Powertools handler keeps the stdout of the test that first imported it: point it
    # at this test's stdout (the JSON lines and filters are unchanged)
    for h in logging.getLogger("agentpay").handlers:
        if isinstance(h, logging.StreamHandler):
            h.setStream(sys.stdout)
    logging.getLogger("agentpay").setLevel(logging.INFO)
    logging.getLogger("agentpay").propagate = True
    capfd.readouterr()
    agent = json.loads(handler(_event("/v1/agent/agents", tenant.api_key,
                                      {"name": "Log test"}), lambda_context)["body"])
    created = json.loads(handler(_event("/v1/agent/conversations", agent["publishable_key"],
                                        {}), lambda_context)["body"])
    conv_id, token = created["conversation"]["id"], created["token"]
    path = f"/v1/agent/conversations/{conv_id}/messages"
    for text in ("hi, I'm jane.doe@example.com, call me on +1 415-555-0134",
                 "my card 4111 1111 1111 1111 was declined",
                 "can I talk to a human?"):
        event = _event(path, token, {"content": text})
        response = handler(event, lambda_context)
        assert response["statusCode"] == 201, response["body"]
        # something in the request path logs what it was given: it must come out clean
        logging.getLogger("agentpay.test").warning("shopper wrote %s (token %s)", text, token)
    out = capfd.readouterr().out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line.get("location", "").startswith("test_a_conv")
                or "shopper wrote" in str(line.get("message", ""))]
    assert len(warnings) == 3
    for line in lines:
        text = json.dumps(line)
        for secret in SECRETS_IN_TEXT + [tenant.api_key, token, agent["publishable_key"]]:
            assert secret not in text, line
        assert not re.search(r"ap_(sk|ct)_[A-Za-z0-9_-]{10,}", text), line
    for line in warnings:
        assert "[email]" in line["message"] or "[card]" in line["message"] \
            or "[secret]" in line["message"]
        assert line.get("correlation_id") == "U9k2EhpFIAMEcPQ="  # the event's requestId


def test_ids_survive_redaction_and_numbers_beside_them_do_not():
    from agentpay.kit.redact import redact

    # GIVEN an organization id whose digit groups read like a phone number
    org = "fbe2b688-9015-4566-8387-c758ae132844"
    # WHEN a log line carries it beside a real phone number, card and token
    line = (f"org {org} shopper +1 415-555-0134 card 4111 1111 1111 1111 "
            f"token Bearer {org}")
    clean = redact(line)
    # THEN the id is kept whole, the personal data and the bearer secret are not
    assert clean.startswith(f"org {org} shopper [phone] card [card]"), clean
    assert clean.endswith("token [secret]"), clean
    assert redact(f"{org}:555-123-4567") == f"{org}:[phone]"
