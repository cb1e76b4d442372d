"""Stores' webhook signing secrets sealed at rest (issue 20): AES-256-GCM with the data
key (agentpay.kit.sealing), bound to their organization, opened only to sign; the
migration that seals rows written in plain text by an earlier release; keys never logged."""

from __future__ import annotations

import logging

import pytest

import test_db
import test_handoff
from conftest import bearer
from test_db import migrate_before
from test_handoff import (
    PRODUCTS,
    SECRET,
    deliveries,
    hand_off,
    make_due,
    send_due,
    set_webhooks,
    verify_standard_webhook,
)

# fixtures shared with the handoff's and the migrations' tests
fresh_url = test_db.fresh_url
nudges = test_handoff.nudges
receiver = test_handoff.receiver

KEY = "a-data-key-for-tests-0123456789abcdef"
OTHER_KEY = "another-data-key-for-tests-987654321"


def _row(db, organization_id: str) -> dict:
    with db.connection() as conn:
        return conn.execute("SELECT * FROM webhook_endpoints WHERE organization_id = %s",
                            (organization_id,)).fetchone()


# ---------------------------------------------------------------- the sealer


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_owner():
    from agentpay.kit.sealing import Sealer, SealError, is_sealed

    # GIVEN a sealer WHEN a secret is sealed twice for one organization
    sealer = Sealer(KEY)
    one, two = sealer.seal(SECRET, "org-a"), sealer.seal(SECRET, "org-a")
    # THEN neither shows it, each has its own nonce, and both open to it
    assert is_sealed(one) and SECRET not in one and SECRET[6:] not in one and one != two
    assert sealer.open(one, "org-a") == sealer.open(two, "org-a") == SECRET
    # AND it does not open for another organization, altered, or with another key
    with pytest.raises(SealError):
        sealer.open(one, "org-b")
    version, key_id, body = one.split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(SealError):
        sealer.open(f"{version}.{key_id}.{flipped}", "org-a")
    with pytest.raises(SealError, match="another data key"):
        Sealer(OTHER_KEY).open(one, "org-a")
    for junk in ("", "whsec_abc", "v1.", "v1.x.!!", f"v1.{key_id}.@@@"):
        with pytest.raises(SealError):
            sealer.open(junk, "org-a")
    # AND the sealer never prints its key
    assert KEY not in repr(sealer) and sealer.key_id in repr(sealer)


def test_the_data_key_comes_from_config_and_the_dev_default_is_refused_in_production(
        settings, monkeypatch):
    from agentpay.kit.sealing import DEV_DATA_KEY, DataKeyNotConfigured, Sealer, get_sealer

    # GIVEN no key configured outside production THEN the documented dev default seals
    monkeypatch.setattr(settings, "data_key", None)
    monkeypatch.setattr(settings, "data_key_arn", None)
    assert get_sealer(settings).key_id == Sealer(DEV_DATA_KEY).key_id
    # WHEN the deployment is production THEN the default is refused
    monkeypatch.setattr(settings, "env", "production")
    with pytest.raises(DataKeyNotConfigured):
        get_sealer(settings)
    # AND a configured key is used, and never shown by the settings
    from pydantic import SecretStr

    monkeypatch.setattr(settings, "data_key", SecretStr(KEY))
    assert get_sealer(settings).key_id == Sealer(KEY).key_id
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())
    # AND a short key is refused
    with pytest.raises(DataKeyNotConfigured):
        Sealer("short")


def test_the_key_is_read_from_secrets_manager_in_a_deployment(settings, monkeypatch):
    import boto3
    from moto import mock_aws

    from agentpay.kit import sealing

    with mock_aws():
        arn = boto3.client("secretsmanager").create_secret(
            Name="agentpay-data-key", SecretString=KEY + "\n")["ARN"]
        monkeypatch.setattr(settings, "data_key", None)
        monkeypatch.setattr(settings, "data_key_arn", arn)
        monkeypatch.setattr(settings, "env", "production")
        assert sealing.get_sealer(settings).key_id == sealing.Sealer(KEY).key_id


# ---------------------------------------------------------------- through the API


@pytest.fixture
def store(make_store):
    return make_store("Sealed Secrets Store", PRODUCTS)


def test_the_secret_is_stored_sealed_and_deliveries_are_signed_with_it(
        client, db, settings, store, make_conversation, receiver, nudges, caplog):
    from agentpay.kit.sealing import get_sealer

    tenant, agent = store
    hook = receiver()
    caplog.set_level(logging.DEBUG)
    # WHEN the store sets its webhook secret
    assert set_webhooks(client, tenant, hook.url).status_code == 200
    # THEN the row holds no plain text, only a value that opens for this store
    row = _row(db, tenant.organization_id)
    assert "secret" not in row
    assert SECRET not in str(row) and SECRET[6:] not in str(row)
    assert row["secret_sealed"].startswith("v1.")
    assert get_sealer(settings).open(row["secret_sealed"], tenant.organization_id) == SECRET
    # AND a handoff's webhook is signed with the secret the store set
    conv = make_conversation(agent)
    hand_off(client, conv)
    assert send_due(db, settings, nudges.ids).delivered == 1
    verify_standard_webhook(SECRET, hook.requests[0]["headers"], hook.requests[0]["body"])
    # AND neither the secret nor the data key is ever logged
    for record in caplog.records:
        text = record.getMessage() + str(record.__dict__)
        assert SECRET[6:] not in text
        from agentpay.kit.sealing import DEV_DATA_KEY

        assert DEV_DATA_KEY not in text


def test_a_sealed_secret_copied_into_another_stores_row_does_not_sign(
        client, db, settings, make_store, make_conversation, receiver, nudges, caplog):
    # GIVEN two stores with endpoints, and store A's sealed secret copied into B's row
    tenant_a, _ = make_store("Sealed A", PRODUCTS)
    tenant_b, agent_b = make_store("Sealed B", PRODUCTS)
    hook_a, hook_b = receiver(), receiver()
    set_webhooks(client, tenant_a, hook_a.url)
    set_webhooks(client, tenant_b, hook_b.url,
                 secret="whsec_" + "QkJC" * 8)  # B's own secret
    with db.connection() as conn:
        conn.execute("""UPDATE webhook_endpoints SET secret_sealed = (
                            SELECT secret_sealed FROM webhook_endpoints
                             WHERE organization_id = %s)
                         WHERE organization_id = %s""",
                     (tenant_a.organization_id, tenant_b.organization_id))
    # WHEN B's conversation is handed over
    conv = make_conversation(agent_b)
    hand_off(client, conv)
    # (this test's deliveries only: another test's may come due meanwhile)
    report = send_due(db, settings, nudges.ids)
    # THEN nothing is signed with A's secret: the attempt fails and is retried later
    assert report.delivered == 0 and report.retrying == 1
    assert hook_b.requests == []
    [row] = deliveries(db, conv["conversation"]["id"])
    assert row["status"] == "pending" and "cannot be unsealed" in row["last_error"]
    assert SECRET[6:] not in caplog.text
    # AND B's secret set again heals it
    set_webhooks(client, tenant_b, hook_b.url, secret="whsec_" + "QkJC" * 8)
    make_due(db, conv["conversation"]["id"])
    assert send_due(db, settings, nudges.ids).delivered == 1
    verify_standard_webhook("whsec_" + "QkJC" * 8, hook_b.requests[0]["headers"],
                            hook_b.requests[0]["body"])


def test_a_secret_sealed_with_another_key_answers_409_when_kept_never_500(
        client, db, settings, store, receiver, monkeypatch):
    from pydantic import SecretStr

    tenant, _ = store
    hook = receiver()
    set_webhooks(client, tenant, hook.url)
    # WHEN the deployment's data key changes and the store moves its URL, keeping the
    # secret
    monkeypatch.setattr(settings, "data_key", SecretStr(OTHER_KEY))
    moved = set_webhooks(client, tenant, hook.url + "/v2", secret=None)
    # THEN it is told to send the secret again
    assert moved.status_code == 409, moved.text
    assert moved.json()["error"]["code"] == "webhook_secret_unreadable"
    assert SECRET[6:] not in moved.text
    # AND sending it again works, sealed with the new key
    again = set_webhooks(client, tenant, hook.url + "/v2")
    assert again.status_code == 200, again.text
    from agentpay.kit.sealing import Sealer

    assert _row(db, tenant.organization_id)["secret_sealed"].split(".")[1] == \
        Sealer(OTHER_KEY).key_id


def test_the_database_refuses_a_plain_text_secret(db, store):
    import psycopg

    tenant, _ = store
    with pytest.raises(psycopg.errors.CheckViolation), db.connection() as conn:
        conn.execute("INSERT INTO webhook_endpoints (organization_id, url, secret_sealed) "
                     "VALUES (%s, 'https://example.com/h', %s)",
                     (tenant.organization_id, SECRET))


# ---------------------------------------------------------------- the migration


def test_the_migration_seals_secrets_an_earlier_release_stored_in_plain_text(
        fresh_url, tmp_path, settings):
    from agentpay.db.connection import open_connection
    from agentpay.db.migrate import migrate
    from agentpay.kit.sealing import get_sealer

    with open_connection(fresh_url) as conn:
        # GIVEN a database as the release before left it, with a plain-text secret
        migrate_before(conn, "0021", tmp_path)
        org = conn.execute("INSERT INTO organizations (name) VALUES ('Old Store') "
                           "RETURNING id").fetchone()["id"]
        conn.execute("INSERT INTO webhook_endpoints (organization_id, url, secret) "
                     "VALUES (%s, 'https://example.com/h', %s)", (org, SECRET))
        # WHEN the migrations run
        applied = migrate(conn)
        # THEN the secret is sealed for its store, and opens to what it was
        assert "0021" in applied
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE organization_id = %s",
                           (org,)).fetchone()
        assert SECRET[6:] not in str(row)
        assert get_sealer(settings).open(row["secret_sealed"], str(org)) == SECRET
        # AND running again changes nothing
        assert migrate(conn) == []


def test_an_operator_token_cannot_read_or_change_the_webhook_secret(client, store):
    tenant, _ = store
    token = client.post("/v1/agent/operator-tokens", headers=tenant.auth).json()["token"]
    for method, body in (("GET", None), ("PATCH", {"webhooks": None})):
        response = client.request(method, "/v1/agent/organization", headers=bearer(token),
                                  json=body)
        assert response.status_code == 403, response.text
