"""SQL for passages: replaced per article when it is indexed, searched per store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg

if TYPE_CHECKING:  # numpy comes with the first vector, not with the routes that need none
    import numpy as np


def remove(conn: psycopg.Connection, organization_id: UUID, article_ids: list[UUID]) -> int:
    if not article_ids:
        return 0
    return conn.execute(
        "DELETE FROM knowledge_passages WHERE organization_id = %s AND article_id = ANY(%s)",
        (organization_id, article_ids),
    ).rowcount


def indexed_models(conn: psycopg.Connection, organization_id: UUID,
                   article_ids: list[UUID]) -> dict[UUID, set[str]]:
    """Which embedders made each article's passages (a new model re-embeds them)."""
    rows = conn.execute(
        """SELECT article_id, array_agg(DISTINCT model) AS models FROM knowledge_passages
            WHERE organization_id = %s AND article_id = ANY(%s) GROUP BY article_id""",
        (organization_id, article_ids),
    ).fetchall()
    return {r["article_id"]: set(r["models"]) for r in rows}


def lock_live_hashes(conn: psycopg.Connection, organization_id: UUID,
                     article_ids: list[UUID]) -> dict[UUID, str]:
    """Live articles' content hashes, locked so a PUT cannot slip in between the check
    and the write (it waits, then queues its own message)."""
    rows = conn.execute(
        """SELECT id, content_hash FROM knowledge_articles
            WHERE organization_id = %s AND id = ANY(%s) AND deleted_at IS NULL
            ORDER BY id FOR UPDATE""",
        (organization_id, article_ids),
    ).fetchall()
    return {r["id"]: r["content_hash"] for r in rows}


def replace(conn: psycopg.Connection, organization_id: UUID, article_id: UUID,
            content_hash: str, passages: list[dict[str, Any]]) -> None:
    """The article's passages, all at once, and the version they were made from."""
    remove(conn, organization_id, [article_id])
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO knowledge_passages (organization_id, article_id, ordinal, heading,
                                               body, model, text_hash, embedding)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
            [(organization_id, article_id, p["ordinal"], p["heading"], p["body"], p["model"],
              p["text_hash"], p["embedding"]) for p in passages],
        )
    conn.execute(
        """UPDATE knowledge_articles SET indexed_hash = %s
            WHERE organization_id = %s AND id = %s""",
        (content_hash, organization_id, article_id),
    )


# One statement: the store's passages that share a word with the question (full text,
# any word) or are among the nearest by meaning (exact cosine over the store's rows, its
# embedder's vectors only), with both scores; the caller fuses and judges them.
_SEARCH = """
WITH q AS (
    SELECT replace(plainto_tsquery('english', %(text)s)::text, '&', '|') AS words
), lexical AS (
    SELECT p.article_id, p.ordinal,
           ts_rank_cd(p.search_vector, to_tsquery('english', q.words), 32) AS rank
      FROM knowledge_passages p, q
     WHERE p.organization_id = %(org)s AND q.words <> ''
       AND p.search_vector @@ to_tsquery('english', q.words)
     ORDER BY rank DESC LIMIT %(pool)s
), semantic AS (
    SELECT p.article_id, p.ordinal, 1 - (p.embedding <=> %(vector)s) AS cosine
      FROM knowledge_passages p
     WHERE p.organization_id = %(org)s AND p.model = %(model)s
     ORDER BY p.embedding <=> %(vector)s LIMIT %(pool)s
), found AS (
    SELECT article_id, ordinal FROM lexical UNION SELECT article_id, ordinal FROM semantic
)
SELECT a.external_id, a.title, a.url, p.heading, p.body, p.ordinal,
       coalesce(l.rank, 0) AS lexical,
       CASE WHEN p.model = %(model)s THEN 1 - (p.embedding <=> %(vector)s) ELSE 0 END AS cosine
  FROM found f
  JOIN knowledge_passages p ON p.organization_id = %(org)s AND p.article_id = f.article_id
                           AND p.ordinal = f.ordinal
  JOIN knowledge_articles a ON a.organization_id = %(org)s AND a.id = p.article_id
                           AND a.deleted_at IS NULL
  LEFT JOIN lexical l ON l.article_id = f.article_id AND l.ordinal = f.ordinal
"""


def search(conn: psycopg.Connection, organization_id: UUID, text: str, vector: np.ndarray,
           model: str, pool: int = 20) -> list[dict[str, Any]]:
    return conn.execute(_SEARCH, {"org": organization_id, "text": text, "vector": vector,
                                  "model": model, "pool": pool}).fetchall()
