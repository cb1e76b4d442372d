"""GET/PATCH /v1/agent/organization: the store's name, currency, policies and payment
provider, validated, audited (which key, when, before and after) in the same
transaction, and never holding a provider's secret."""

from __future__ import annotations

import pytest

from conftest import bearer

PATH = "/v1/agent/organization"


@pytest.fixture(autouse=True)
def _no_provider_keys(monkeypatch):
    from agentpay.payments import reset_providers

    for name in ("STRIPE_API_KEY", "STRIPE_API_BASE", "POLAR_ACCESS_TOKEN", "POLAR_PRODUCT_ID"):
        monkeypatch.delenv(name, raising=False)
    reset_providers()
    yield
    reset_providers()


def _history(db, organization_id):
    with db.connection() as conn:
        return conn.execute(
            """SELECT h.api_key_id, h.api_key_prefix, h.changed_at, h.settings_before,
                      h.settings_after
                 FROM organization_settings_history h
                WHERE h.organization_id = %s ORDER BY h.id""",
            (organization_id,)).fetchall()


def _key(db, organization_id):
    with db.connection() as conn:
        return conn.execute("SELECT id, prefix FROM api_keys WHERE organization_id = %s",
                            (organization_id,)).fetchone()


def test_a_new_store_reads_its_defaults(client, tenant):
    response = client.get(PATH, headers=tenant.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == tenant.organization_id and body["name"] == "Store A"
    assert body["currency"] == "USD" and body["policies"] is None
    # development: no provider chosen, checkouts use the local one
    assert body["payments"] == {"provider": None, "polar_product_id": None,
                                "checkout_provider": "local", "status": "ready"}


def test_a_change_is_applied_and_audited_with_the_key_that_made_it(client, db, tenant):
    # GIVEN a store
    key = _key(db, tenant.organization_id)
    # WHEN its secret key changes the name, currency, policies and provider
    change = {"name": "  Halden Home  ", "currency": "eur",
              "policies": {"shipping": "Ships in 2 days.", "returns": "30 days, free."},
              "payments": {"provider": "polar", "polar_product_id": "prod_42"}}
    response = client.patch(PATH, headers=tenant.auth, json=change)
    # THEN the settings are stored, normalised
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Halden Home" and body["currency"] == "EUR"
    assert body["policies"] == {"shipping": "Ships in 2 days.", "returns": "30 days, free."}
    # polar is chosen, but POLAR_ACCESS_TOKEN is not in this environment
    assert body["payments"] == {"provider": "polar", "polar_product_id": "prod_42",
                                "checkout_provider": "polar",
                                "status": "provider_not_configured"}
    assert client.get(PATH, headers=tenant.auth).json() == body
    # AND checkouts read the same settings
    from agentpay.payments import repository as payments_repo

    with db.connection() as conn:
        stored = payments_repo.organization_settings(conn, tenant.organization_id)
    assert stored["payments"] == {"provider": "polar", "polar_product_id": "prod_42"}
    # AND one history row says which key, when, from what, to what
    [row] = _history(db, tenant.organization_id)
    assert row["api_key_id"] == key["id"] and row["api_key_prefix"] == key["prefix"]
    assert tenant.api_key not in str(row)  # the prefix, never the secret
    assert row["settings_before"] == {"name": "Store A", "settings": {}}
    assert row["settings_after"] == {"name": "Halden Home", "settings": {
        "currency": "EUR", "policies": change["policies"], "payments": change["payments"]}}
    assert row["changed_at"] is not None


def test_leaving_a_field_out_keeps_it_and_null_removes_it(client, db, tenant):
    client.patch(PATH, headers=tenant.auth, json={
        "currency": "GBP", "policies": {"returns": "14 days."},
        "payments": {"provider": "polar", "polar_product_id": "prod_1"}})
    # a new provider replaces the old one's options; untouched fields stay
    body = client.patch(PATH, headers=tenant.auth,
                        json={"payments": {"provider": "stripe"}}).json()
    assert body["currency"] == "GBP" and body["policies"] == {"returns": "14 days."}
    assert body["payments"]["provider"] == "stripe"
    assert body["payments"]["polar_product_id"] is None
    # null: back to the defaults
    body = client.patch(PATH, headers=tenant.auth,
                        json={"policies": None, "currency": None, "payments": None}).json()
    assert body["currency"] == "USD" and body["policies"] is None
    assert body["payments"]["provider"] is None
    assert len(_history(db, tenant.organization_id)) == 3


def test_a_change_that_changes_nothing_records_nothing(client, db, tenant):
    first = client.patch(PATH, headers=tenant.auth, json={"currency": "USD"})
    assert first.status_code == 200
    assert len(_history(db, tenant.organization_id)) == 1  # USD was only the default
    again = client.patch(PATH, headers=tenant.auth, json={"currency": "usd", "name": "Store A"})
    empty = client.patch(PATH, headers=tenant.auth, json={})
    assert again.status_code == empty.status_code == 200
    assert len(_history(db, tenant.organization_id)) == 1


@pytest.mark.parametrize(("body", "code"), [
    ({"payments": {"provider": "stripe", "api_key": "sk_live_123"}}, "validation_error"),
    ({"payments": {"provider": "polar", "access_token": "polar_oat_1"}}, "validation_error"),
    ({"payments": {"provider": "paypal"}}, "validation_error"),
    ({"payments": {}}, "validation_error"),
    ({"payments": "stripe"}, "validation_error"),
    ({"payments": {"provider": "polar", "polar_product_id": "../x"}}, "validation_error"),
    ({"currency": "dollars"}, "validation_error"),
    ({"currency": 840}, "validation_error"),
    ({"name": ""}, "validation_error"),
    ({"name": "   "}, "validation_error"),
    ({"name": "x" * 201}, "validation_error"),
    ({"name": None}, "invalid_name"),
    ({"policies": {"": "text"}}, "validation_error"),
    ({"policies": {"shipping": ""}}, "validation_error"),
    ({"policies": {"shipping": "x" * 4001}}, "validation_error"),
    ({"policies": {f"topic {n}": "text" for n in range(31)}}, "validation_error"),
    ({"policies": ["shipping"]}, "validation_error"),
    ({"secrets": {"STRIPE_API_KEY": "sk_live_1"}}, "validation_error"),
    ({"name": "nul\x00name"}, "invalid_text"),
])
def test_bad_settings_are_refused_with_a_code_and_change_nothing(client, db, tenant, body,
                                                                 code):
    response = client.patch(PATH, headers=tenant.auth, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert "sk_live" not in response.text  # refused values are not echoed back
    assert _history(db, tenant.organization_id) == []
    assert client.get(PATH, headers=tenant.auth).json()["name"] == "Store A"


def test_a_body_that_is_not_json_is_400(client, tenant):
    response = client.patch(PATH, headers={**tenant.auth, "content-type": "application/json"},
                            content=b"{not json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_production_refuses_the_local_provider_and_reports_no_provider(client, db, tenant,
                                                                       settings, monkeypatch):
    monkeypatch.setattr(settings, "env", "production")
    # GIVEN production and a store that chose no provider: checkouts cannot be made
    payments = client.get(PATH, headers=tenant.auth).json()["payments"]
    assert payments == {"provider": None, "polar_product_id": None,
                        "checkout_provider": None, "status": "payments_not_configured"}
    # WHEN it asks for the local provider, THEN it is refused
    response = client.patch(PATH, headers=tenant.auth, json={"payments": {"provider": "local"}})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "provider_not_allowed"
    assert _history(db, tenant.organization_id) == []
    # AND a local choice stored earlier counts as none
    monkeypatch.setattr(settings, "env", "development")
    client.patch(PATH, headers=tenant.auth, json={"payments": {"provider": "local"}})
    monkeypatch.setattr(settings, "env", "production")
    payments = client.get(PATH, headers=tenant.auth).json()["payments"]
    assert payments["provider"] == "local"
    assert payments["checkout_provider"] is None
    assert payments["status"] == "payments_not_configured"
    # AND a provider with its key in the environment is ready
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_settings")
    body = client.patch(PATH, headers=tenant.auth, json={"payments": {"provider": "stripe"}})
    assert body.json()["payments"] == {"provider": "stripe", "polar_product_id": None,
                                       "checkout_provider": "stripe", "status": "ready"}


def test_only_the_secret_key_reads_or_changes_settings(client, tenant, make_agent,
                                                       make_conversation):
    created = make_conversation(make_agent(tenant))
    for headers, status, code in [
            ({}, 401, "missing_credentials"),
            (bearer("ap_sk_not_a_key"), 401, "invalid_credentials"),
            (bearer(created["token"]), 403, "secret_key_required"),
            (bearer(make_agent(tenant)["publishable_key"]), 403, "secret_key_required")]:
        for method in ("GET", "PATCH"):
            response = client.request(method, PATH, headers=headers,
                                      json={"name": "Taken over"} if method == "PATCH" else None)
            assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert client.get(PATH, headers=tenant.auth).json()["name"] == "Store A"


def test_a_store_changes_only_its_own_settings(client, db, make_tenant):
    a, b = make_tenant("Store A"), make_tenant("Store B")
    assert client.patch(PATH, headers=a.auth, json={"name": "A renamed",
                                                     "currency": "EUR"}).status_code == 200
    other = client.get(PATH, headers=b.auth).json()
    assert other["id"] == b.organization_id
    assert other["name"] == "Store B" and other["currency"] == "USD"
    assert _history(db, b.organization_id) == []


def test_the_change_and_its_audit_commit_together(db, tenant, settings, monkeypatch):
    from agentpay.organizations import repository, service
    from agentpay.organizations.schemas import OrganizationUpdate

    # GIVEN an audit write that fails
    def broken(*args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(repository, "insert_settings_change", broken)
    key = _key(db, tenant.organization_id)
    # WHEN a change is made in one transaction, THEN the change does not stay either
    with pytest.raises(RuntimeError), db.transaction() as conn:
        service.update_organization(conn, tenant.organization_id,
                                    service.Actor(key["id"], key["prefix"]),
                                    OrganizationUpdate(name="Unaudited"), settings)
    with db.connection() as conn:
        assert conn.execute("SELECT name FROM organizations WHERE id = %s",
                            (tenant.organization_id,)).fetchone()["name"] == "Store A"


def test_settings_keys_other_than_the_apis_survive_a_change(client, db, tenant):
    from psycopg.types.json import Jsonb

    with db.transaction() as conn:
        conn.execute("UPDATE organizations SET settings = %s WHERE id = %s",
                     (Jsonb({"beta": {"flag": True}}), tenant.organization_id))
    client.patch(PATH, headers=tenant.auth, json={"currency": "CAD"})
    with db.connection() as conn:
        stored = conn.execute("SELECT settings FROM organizations WHERE id = %s",
                              (tenant.organization_id,)).fetchone()["settings"]
    assert stored == {"beta": {"flag": True}, "currency": "CAD"}


def test_both_routes_are_in_the_openapi_document_and_the_readme(app):
    from pathlib import Path

    operations = app.openapi()["paths"][PATH]
    assert {"get", "patch"} <= set(operations)
    assert operations["patch"]["requestBody"]["content"]["application/json"]
    assert {"401", "403", "422"} <= set(operations["patch"]["responses"])
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"`GET/PATCH {PATH}`" in readme
