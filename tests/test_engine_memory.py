"""Remember: what a turn writes back (stage, hesitation, status) and who it talks to."""

from __future__ import annotations

from conftest import bearer


def _chat(client, make_conversation, agent, **fields):
    created = make_conversation(agent, **fields)
    conv_id, auth = created["conversation"]["id"], bearer(created["token"])

    def say(text):
        response = client.post(f"/v1/agent/conversations/{conv_id}/messages", headers=auth,
                               json={"content": text})
        assert response.status_code == 201, response.text
        return response.json()

    return say


def test_a_known_customer_is_greeted_by_name(client, tenant, make_agent, make_conversation):
    agent = make_agent(tenant)
    say = _chat(client, make_conversation, agent, customer={"name": "Ada"})
    assert say("hello")["reply"]["content"].startswith("Hi Ada!")


def test_hesitation_and_handoff_are_remembered(client, tenant, make_agent,
                                               make_conversation):
    agent = make_agent(tenant)
    say = _chat(client, make_conversation, agent)
    out = say("hmm, that's a bit expensive")
    assert [h["signal"] for h in out["conversation"]["hesitation_signals"]] == [
        "price_objection"]
    assert out["message"]["intent"] == "price_objection"
    assert out["message"]["intent_source"] in ("rules", "semantic", "llm")
    out = say("can I talk to a human please?")
    assert out["conversation"]["status"] == "handoff"
    assert "person on our team" in out["reply"]["content"]
    action = out["reply"]["tool_calls"][0]["action"]
    assert action["type"] == "handoff_to_human" and action["reason"]
    # the stage never went backwards nor jumped: nothing was shown, so still discovery
    assert out["conversation"]["stage"] == "discovery"
