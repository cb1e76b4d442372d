"""The demo store's help articles, `agentpay knowledge load`, and what the demo agent
answers from them offline."""

from __future__ import annotations

import json

import pytest

from catalog_helpers import SHOES
from conftest import bearer


def test_every_demo_article_is_valid_and_cut_into_passages():
    from agentpay.knowledge.chunking import passages
    from agentpay.knowledge.schemas import ArticleIn
    from agentpay_dev.knowledge.commands import demo_articles

    articles = [ArticleIn.model_validate(a) for a in demo_articles()]
    assert {a.external_id for a in articles} == {"shipping", "returns", "sizing", "payment",
                                                 "warranty", "contact"}
    for a in articles:
        cut = passages(a.title, a.body)
        assert len(cut) >= 3, a.external_id
        assert all(p.heading.startswith(a.title) and p.body for p in cut)
        assert not any("|" in p.body or "**" in p.body for p in cut)


def test_knowledge_load_indexes_a_json_lines_file_and_reports_bad_lines(tenant, db,
                                                                       tmp_path):
    from agentpay_dev.knowledge.commands import demo_articles, load_articles

    path = tmp_path / "articles.jsonl"
    lines = [json.dumps(a) for a in demo_articles()[:2]]
    lines += ["{not json", json.dumps({"external_id": "no-body", "title": "x"}), ""]
    path.write_text("\n".join(lines) + "\n")
    report = load_articles(db, tenant.organization_id, path)
    assert (report["created"], report["rejected"], report["not_indexed"]) == (2, 2, 0)
    assert [r["line"] for r in report["rejections"]] == [3, 4]
    again = load_articles(db, tenant.organization_id, path)
    assert (again["unchanged"], again["queued_articles"]) == (2, 0)


def test_the_cli_loads_articles(tenant, db, tmp_path, capsys):
    from agentpay_dev.cli import main
    from agentpay_dev.knowledge.commands import demo_articles

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(demo_articles()[0]) + "\n")
    assert main(["knowledge", "load", str(path), "--org", tenant.organization_id]) == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(printed)["created"] == 1


QUESTIONS = [
    ("do you ship to Canada?", "demo-store.example/help/shipping", "Canada"),
    ("how long does delivery take?", "demo-store.example/help/shipping", "business days"),
    ("what's your return policy?", "demo-store.example/help/returns", "30 days"),
    ("how do I get a refund?", "demo-store.example/help/returns", "refund"),
    ("what payment methods do you accept?", "demo-store.example/help/payment", "PayPal"),
    ("can I pay in installments?", "demo-store.example/help/payment", "Klarna"),
    ("is there a warranty?", "demo-store.example/help/warranty", "1-year warranty"),
    ("do you have a size chart?", "demo-store.example/help/sizing", "size"),
    ("what are your customer service hours?", "demo-store.example/help/contact", "8 am"),
    ("whats your phone number?", "demo-store.example/help/contact", "1-800-555-0142"),
    ("can I use two coupon codes?", "demo-store.example/help/payment", "one coupon code"),
    ("are you open on sundays?", "demo-store.example/help/contact", "closed on Sundays"),
]


@pytest.fixture(scope="module")
def demo_agent(app, db):
    from fastapi.testclient import TestClient

    from agentpay.catalog.queue import InlineIndexQueue, set_index_queue
    from agentpay.organizations.service import create_organization
    from agentpay_dev.knowledge.commands import demo_articles

    with db.transaction() as conn:
        _, key = create_organization(conn, "Demo Articles")
    auth = bearer(key.secret)
    with TestClient(app) as client:
        set_index_queue(InlineIndexQueue())
        try:
            assert client.put("/v1/agent/products", headers=auth,
                              json={"products": SHOES}).status_code == 200
            assert client.put("/v1/agent/knowledge", headers=auth,
                              json={"articles": demo_articles()}).status_code == 200
        finally:
            set_index_queue(None)
        agent = client.post("/v1/agent/agents", headers=auth, json={"name": "Demo"}).json()
    return agent


@pytest.mark.parametrize(("question", "link", "says"), QUESTIONS)
def test_the_demo_agent_answers_store_questions_from_its_articles(client, demo_agent,
                                                                  question, link, says):
    created = client.post("/v1/agent/conversations", json={},
                          headers=bearer(demo_agent["publishable_key"])).json()
    response = client.post(f"/v1/agent/conversations/{created['conversation']['id']}/messages",
                           headers=bearer(created["token"]), json={"content": question})
    reply = response.json()["reply"]["content"]
    assert link in reply and says in reply, reply
