"""Agents over HTTP: create, list (paged), get, patch, delete — org-scoped."""

from __future__ import annotations


def test_create_returns_agent_with_publishable_key(client, tenant):
    # WHEN an operator creates an agent
    response = client.post("/v1/agent/agents", headers=tenant.auth, json={
        "name": "Ava", "personality": {"tone": "warm"}, "tools": ["search_products"],
        "rules": {"max_discount_percent": 10}, "config": {"language": "en"},
    })
    # THEN it is stored with a browser-safe publishable key
    assert response.status_code == 201
    agent = response.json()
    assert agent["name"] == "Ava"
    assert agent["organization_id"] == tenant.organization_id
    assert agent["publishable_key"].startswith("ap_pk_")
    assert agent["rules"] == {"max_discount_percent": 10}
    assert client.get(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth).json() == agent


def test_list_is_paged_newest_first(client, make_tenant, make_agent):
    tenant = make_tenant("Paging store")
    created = [make_agent(tenant, name=f"agent {i}")["id"] for i in range(5)]
    first = client.get("/v1/agent/agents?limit=2", headers=tenant.auth).json()
    assert [a["id"] for a in first["data"]] == created[::-1][:2]
    seen = [a["id"] for a in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"/v1/agent/agents?limit=2&cursor={cursor}", headers=tenant.auth).json()
        seen += [a["id"] for a in page["data"]]
        cursor = page["next_cursor"]
    assert seen == created[::-1]


def test_patch_changes_only_given_fields(client, tenant, make_agent):
    agent = make_agent(tenant, description="first")
    response = client.patch(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth,
                            json={"name": "Renamed", "rules": {"max_discount_percent": 5}})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["rules"] == {"max_discount_percent": 5}
    assert body["description"] == "first"
    assert body["personality"] == agent["personality"]
    assert body["publishable_key"] == agent["publishable_key"]


def test_patch_cannot_change_identity_fields(client, tenant, make_agent):
    agent = make_agent(tenant)
    response = client.patch(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth,
                            json={"publishable_key": "ap_pk_mine", "organization_id": agent["id"]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_delete_is_soft_and_hides_the_agent(client, tenant, make_agent, db):
    agent = make_agent(tenant)
    assert client.delete(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth).status_code == 204
    assert client.get(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth).status_code == 404
    # its publishable key stops working
    response = client.post("/v1/agent/conversations", json={},
                           headers={"Authorization": f"Bearer {agent['publishable_key']}"})
    assert response.status_code == 401
    with db.connection() as conn:
        row = conn.execute("SELECT deleted_at FROM agents WHERE id = %s", (agent["id"],)).fetchone()
    assert row["deleted_at"] is not None


def test_inactive_agent_cannot_start_conversations(client, tenant, make_agent):
    agent = make_agent(tenant, is_active=False)
    response = client.post("/v1/agent/conversations", headers=tenant.auth,
                           json={"agent_id": agent["id"]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "agent_inactive"
