"""Stores' webhook signing secrets sealed at rest (AES-256-GCM with the data key,
agentpay.kit.sealing), no longer plain text in webhook_endpoints.

The column becomes ``secret_sealed``; every existing secret is sealed in this
transaction, bound to its organization; a CHECK keeps plain text out from now on. Python,
not SQL: the data key never reaches the database. Nothing to seal (a new database) needs
no key.
"""

from psycopg.rows import tuple_row


def up(conn) -> None:
    conn.execute("ALTER TABLE webhook_endpoints RENAME COLUMN secret TO secret_sealed")
    cursor = conn.cursor(row_factory=tuple_row)
    rows = cursor.execute(
        "SELECT organization_id, secret_sealed FROM webhook_endpoints "
        "WHERE secret_sealed NOT LIKE 'v1.%' FOR UPDATE").fetchall()
    if rows:
        from agentpay.config import get_settings
        from agentpay.kit.sealing import get_sealer

        sealer = get_sealer(get_settings())
        for organization_id, secret in rows:
            cursor.execute(
                "UPDATE webhook_endpoints SET secret_sealed = %s WHERE organization_id = %s",
                (sealer.seal(secret, str(organization_id)), organization_id))
    conn.execute("""ALTER TABLE webhook_endpoints
                        ADD CONSTRAINT webhook_endpoints_secret_sealed
                        CHECK (secret_sealed LIKE 'v1.%')""")
    conn.execute("COMMENT ON COLUMN webhook_endpoints.secret_sealed IS "
                 "'the signing secret sealed with the data key (agentpay.kit.sealing)'")
