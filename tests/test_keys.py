"""Secret keys and publishable keys rotate (at once, or after an overlap) and revoke;
secrets are shown once and stored as hashes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from conftest import bearer

KEYS = "/v1/agent/organization/keys"


def _keys(client, tenant) -> list[dict]:
    response = client.get(KEYS, headers=tenant.auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _works(client, secret: str) -> int:
    return client.get("/v1/agent/agents", headers=bearer(secret)).status_code


def _end_overlaps(db, organization_id: str) -> None:
    """Time passes: every overlap of this organization's keys is over."""
    with db.transaction() as conn:
        conn.execute("UPDATE api_keys SET expires_at = now() - interval '1 second'"
                     " WHERE organization_id = %s AND expires_at IS NOT NULL",
                     (organization_id,))
        conn.execute("UPDATE agents SET previous_publishable_key_expires_at ="
                     " now() - interval '1 second' WHERE organization_id = %s"
                     " AND previous_publishable_key_expires_at IS NOT NULL",
                     (organization_id,))


# --------------------------------------------------------------------------- secret keys


def test_a_rotated_secret_key_stops_at_once_and_its_replacement_works(client, tenant):
    # GIVEN the organization's one key
    [key] = _keys(client, tenant)
    assert key["status"] == "active" and key["current"] is True
    assert "secret" not in key

    # WHEN it is rotated with no overlap
    response = client.post(f"{KEYS}/{key['id']}/rotate", headers=tenant.auth)

    # THEN the new secret is shown once, the old key is revoked and refused at once
    assert response.status_code == 201, response.text
    rotated = response.json()
    new_secret = rotated["key"]["secret"]
    assert new_secret.startswith("ap_sk_") and new_secret != tenant.api_key
    assert rotated["replaced"]["status"] == "revoked"
    assert rotated["replaced"]["replaced_by"] == rotated["key"]["id"]
    assert _works(client, tenant.api_key) == 401
    assert _works(client, new_secret) == 200
    # AND the list, read with the new key, shows both, and no secret
    listed = client.get(KEYS, headers=bearer(new_secret)).json()["data"]
    assert [(k["status"], k["current"]) for k in listed] == [("revoked", False),
                                                             ("active", True)]
    assert new_secret not in json.dumps(listed)


def test_a_rotated_secret_key_with_an_overlap_works_until_the_overlap_ends(
        client, tenant, db):
    [key] = _keys(client, tenant)

    # WHEN it is rotated with a 30-minute overlap
    before = datetime.now(UTC)
    response = client.post(f"{KEYS}/{key['id']}/rotate", headers=tenant.auth,
                           json={"overlap_minutes": 30})
    assert response.status_code == 201, response.text
    rotated = response.json()
    new_secret = rotated["key"]["secret"]

    # THEN both keys work during the overlap
    replaced = rotated["replaced"]
    assert replaced["status"] == "expiring"
    ends = datetime.fromisoformat(replaced["expires_at"])
    assert before + timedelta(minutes=29) < ends < before + timedelta(minutes=31)
    assert _works(client, tenant.api_key) == 200
    assert _works(client, new_secret) == 200
    # AND an expiring key is not rotated a second time
    again = client.post(f"{KEYS}/{key['id']}/rotate", headers=bearer(new_secret))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "key_already_rotated"

    # WHEN the overlap is over THEN the old key is refused, the new one works
    _end_overlaps(db, tenant.organization_id)
    assert _works(client, tenant.api_key) == 401
    assert _works(client, new_secret) == 200
    assert _keys(client, type(tenant)(tenant.organization_id, new_secret))[0]["status"] == \
        "expired"


def test_a_revoked_secret_key_is_refused(client, tenant):
    # GIVEN a second key for a backend
    response = client.post(KEYS, headers=tenant.auth, json={"name": "orders backend"})
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["name"] == "orders backend" and _works(client, second["secret"]) == 200

    # WHEN it is revoked THEN it is refused, the other key goes on
    assert client.delete(f"{KEYS}/{second['id']}", headers=tenant.auth).status_code == 204
    refused = client.get("/v1/agent/agents", headers=bearer(second["secret"]))
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_credentials"
    assert _works(client, tenant.api_key) == 200
    # AND revoking it again changes nothing
    assert client.delete(f"{KEYS}/{second['id']}", headers=tenant.auth).status_code == 204


def test_revoking_a_key_in_its_overlap_stops_it_now(client, tenant):
    [key] = _keys(client, tenant)
    new_secret = client.post(f"{KEYS}/{key['id']}/rotate", headers=tenant.auth,
                             json={"overlap_minutes": 60}).json()["key"]["secret"]
    assert _works(client, tenant.api_key) == 200

    assert client.delete(f"{KEYS}/{key['id']}", headers=bearer(new_secret)).status_code == 204

    assert _works(client, tenant.api_key) == 401


def test_the_last_lasting_key_cannot_be_revoked(client, tenant):
    [key] = _keys(client, tenant)
    response = client.delete(f"{KEYS}/{key['id']}", headers=tenant.auth)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_active_key"
    assert _works(client, tenant.api_key) == 200


def test_only_a_hash_of_a_new_key_is_stored(client, tenant, db):
    created = client.post(KEYS, headers=tenant.auth).json()
    with db.connection() as conn:
        rows = conn.execute("SELECT * FROM api_keys WHERE id = %s", (created["id"],)).fetchall()
    assert created["secret"] not in json.dumps(rows, default=str)
    assert created["secret"].startswith(created["prefix"])


def test_another_organizations_keys_are_not_found(client, make_tenant):
    store_a, store_b = make_tenant("A"), make_tenant("B")
    [key_a] = _keys(client, store_a)
    for method, path in (("POST", f"{KEYS}/{key_a['id']}/rotate"),
                         ("DELETE", f"{KEYS}/{key_a['id']}")):
        response = client.request(method, path, headers=store_b.auth)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "key_not_found"
    assert _works(client, store_a.api_key) == 200


def test_keys_are_managed_with_the_secret_key_only(client, tenant, make_agent,
                                                   make_conversation):
    agent = make_agent(tenant)
    conversation = make_conversation(agent)
    for token in (agent["publishable_key"], conversation["token"]):
        assert client.get(KEYS, headers=bearer(token)).status_code == 403


# --------------------------------------------------------------------------- publishable keys


def _start(client, publishable_key: str) -> int:
    return client.post("/v1/agent/conversations", json={},
                       headers=bearer(publishable_key)).status_code


def test_a_rotated_publishable_key_stops_at_once(client, tenant, make_agent,
                                                 make_conversation):
    # GIVEN an agent whose key already started a conversation
    agent = make_agent(tenant)
    started = make_conversation(agent)

    # WHEN the key is rotated
    response = client.post(f"/v1/agent/agents/{agent['id']}/publishable-key/rotate",
                           headers=tenant.auth)

    # THEN the new key starts conversations, the old one is refused
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["publishable_key"].startswith("ap_pk_")
    assert rotated["publishable_key"] != agent["publishable_key"]
    assert rotated["previous_publishable_key_expires_at"] is None
    assert _start(client, agent["publishable_key"]) == 401
    assert _start(client, rotated["publishable_key"]) == 201
    # AND the conversation already started keeps its token
    conversation_id = started["conversation"]["id"]
    assert client.get(f"/v1/agent/conversations/{conversation_id}",
                      headers=bearer(started["token"])).status_code == 200


def test_a_rotated_publishable_key_with_an_overlap_works_until_it_is_revoked(
        client, tenant, make_agent, db):
    agent = make_agent(tenant)
    old = agent["publishable_key"]
    path = f"/v1/agent/agents/{agent['id']}/publishable-key"

    rotated = client.post(f"{path}/rotate", headers=tenant.auth,
                          json={"overlap_minutes": 15}).json()
    assert rotated["previous_publishable_key_expires_at"] is not None
    assert _start(client, old) == 201 and _start(client, rotated["publishable_key"]) == 201

    # WHEN the overlap is ended now THEN the old key is refused
    assert client.delete(f"{path}/previous", headers=tenant.auth).status_code == 204
    assert _start(client, old) == 401
    assert client.get(f"/v1/agent/agents/{agent['id']}", headers=tenant.auth).json()[
        "previous_publishable_key_expires_at"] is None

    # AND an overlap that runs out ends the same way
    newer = client.post(f"{path}/rotate", headers=tenant.auth,
                        json={"overlap_minutes": 15}).json()
    assert _start(client, rotated["publishable_key"]) == 201
    _end_overlaps(db, tenant.organization_id)
    assert _start(client, rotated["publishable_key"]) == 401
    assert _start(client, newer["publishable_key"]) == 201


def test_a_publishable_key_rotation_refuses_bad_overlaps_and_foreign_agents(
        client, make_tenant, make_agent):
    store_a, store_b = make_tenant("A"), make_tenant("B")
    agent = make_agent(store_a)
    path = f"/v1/agent/agents/{agent['id']}/publishable-key/rotate"
    assert client.post(path, headers=store_a.auth,
                       json={"overlap_minutes": -1}).status_code == 422
    assert client.post(path, headers=store_a.auth,
                       json={"overlap_minutes": 7 * 24 * 60 + 1}).status_code == 422
    assert client.post(path, headers=store_b.auth).status_code == 404
    assert _start(client, agent["publishable_key"]) == 201
