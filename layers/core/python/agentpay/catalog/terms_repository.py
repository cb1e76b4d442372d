"""SQL for each store's shopping vocabulary (migration 0013). Scoped to one organization."""

from __future__ import annotations

from uuid import UUID

import psycopg

_TERMS = """SELECT DISTINCT p.organization_id, t.kind, t.term
               FROM products p,
                    agentpay_catalog_terms(p.attributes, p.brand, p.category, p.colors,
                                           p.sizes) AS t
              WHERE p.organization_id = %(org)s"""

# A change of terms bumps the store's version in the same statement, so a turn that reads
# the version after this transaction commits reloads the vocabulary.
_BUMP = """UPDATE organizations SET vocabulary_version = vocabulary_version + 1
            WHERE id = %(org)s AND EXISTS (SELECT 1 FROM changed)
        RETURNING vocabulary_version"""


def add_terms(conn: psycopg.Connection, organization_id: UUID,
              product_ids: list[UUID]) -> bool:
    """The products' terms into the store's vocabulary; True when any was new. Sorted
    inserts, as for catalog_words: concurrent writers take row locks in one order."""
    if not product_ids:
        return False
    row = conn.execute(
        f"""WITH changed AS (
                INSERT INTO catalog_terms (organization_id, kind, term)
                {_TERMS} AND p.id = ANY(%(ids)s)
                ORDER BY 2, 3 ON CONFLICT DO NOTHING RETURNING 1)
            {_BUMP}""",
        {"org": organization_id, "ids": product_ids}).fetchone()
    return row is not None


def refresh_terms(conn: psycopg.Connection, organization_id: UUID) -> int:
    """The vocabulary made again from the live products: terms only deleted or changed
    products had go. Returns how many went."""
    row = conn.execute(
        f"""WITH live AS MATERIALIZED ({_TERMS} AND p.deleted_at IS NULL),
                 added AS (
                     INSERT INTO catalog_terms (organization_id, kind, term)
                     SELECT organization_id, kind, term FROM live ORDER BY 2, 3
                     ON CONFLICT DO NOTHING RETURNING 1),
                 gone AS (
                     DELETE FROM catalog_terms c
                      WHERE c.organization_id = %(org)s
                        AND (c.kind, c.term) NOT IN (SELECT kind, term FROM live)
                     RETURNING 1),
                 changed AS (SELECT 1 FROM added UNION ALL SELECT 1 FROM gone),
                 bumped AS ({_BUMP})
            SELECT (SELECT count(*) FROM gone) AS gone""",
        {"org": organization_id}).fetchone()
    return int(row["gone"])


def load_terms(conn: psycopg.Connection,
               organization_id: UUID) -> tuple[int, list[dict], list[str]]:
    """(version, every term, every word of catalog_words) of one store, in one round trip."""
    row = conn.execute(
        """SELECT o.vocabulary_version AS version,
                  coalesce((SELECT jsonb_agg(jsonb_build_array(t.kind, t.term))
                              FROM catalog_terms t
                             WHERE t.organization_id = o.id), '[]'::jsonb) AS terms,
                  coalesce((SELECT array_agg(w.word) FROM catalog_words w
                             WHERE w.organization_id = o.id), '{}') AS words
             FROM organizations o WHERE o.id = %s""",
        (organization_id,)).fetchone()
    if row is None:
        return 0, [], []
    return (int(row["version"]), [{"kind": k, "term": t} for k, t in row["terms"]],
            list(row["words"]))
