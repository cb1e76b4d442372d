"""SQL for each store's term statistics (migration 0023), which BM25 reads. Triggers on
products keep them as products are written; this module makes them exact again."""

from __future__ import annotations

from uuid import UUID

import psycopg


def refresh_lexemes(conn: psycopg.Connection, organization_id: UUID) -> None:
    """The store's statistics counted again from its live products, lexemes that no live
    product has any more deleted: the triggers' running counts, checked. The statistics
    row is locked first, as the triggers do."""
    conn.execute(
        """INSERT INTO catalog_statistics AS s (organization_id, documents, lexemes)
           SELECT %(org)s, count(*), coalesce(sum(length(p.search_vector)), 0)
             FROM products p
            WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.active
           ON CONFLICT (organization_id) DO UPDATE
              SET documents = EXCLUDED.documents, lexemes = EXCLUDED.lexemes""",
        {"org": organization_id})
    conn.execute(
        """WITH live AS MATERIALIZED (
               SELECT w.lexeme, count(*)::integer AS documents
                 FROM products p, unnest(tsvector_to_array(p.search_vector)) AS w(lexeme)
                WHERE p.organization_id = %(org)s AND p.deleted_at IS NULL AND p.active
                GROUP BY w.lexeme),
                counted AS (
               INSERT INTO catalog_lexemes AS l (organization_id, lexeme, documents)
               SELECT %(org)s, lexeme, documents FROM live ORDER BY lexeme
               ON CONFLICT (organization_id, lexeme) DO UPDATE
                  SET documents = EXCLUDED.documents
                WHERE l.documents <> EXCLUDED.documents)
           DELETE FROM catalog_lexemes l
            WHERE l.organization_id = %(org)s
              AND NOT EXISTS (SELECT 1 FROM live WHERE live.lexeme = l.lexeme)""",
        {"org": organization_id})


def statistics(conn: psycopg.Connection, organization_id: UUID) -> dict[str, int]:
    """(documents, lexemes) of the store, and how many distinct lexemes it counts."""
    row = conn.execute(
        """SELECT coalesce((SELECT documents FROM catalog_statistics
                             WHERE organization_id = %(org)s), 0) AS documents,
                  coalesce((SELECT lexemes FROM catalog_statistics
                             WHERE organization_id = %(org)s), 0) AS lexemes,
                  (SELECT count(*) FROM catalog_lexemes
                    WHERE organization_id = %(org)s AND documents > 0) AS distinct_lexemes""",
        {"org": organization_id}).fetchone()
    return {k: int(v) for k, v in row.items()}
