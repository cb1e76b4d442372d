"""SQL for articles. Every statement is scoped to one organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

_COLUMNS = """id, external_id, title, body, url, tags, content_hash,
              indexed_hash IS NOT DISTINCT FROM content_hash AS indexed, created_at,
              updated_at"""


def existing(conn: psycopg.Connection, organization_id: UUID,
             external_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The articles with these ids, deleted ones too (an upsert revives them)."""
    rows = conn.execute(
        """SELECT id, external_id, content_hash, indexed_hash, deleted_at
             FROM knowledge_articles
            WHERE organization_id = %s AND external_id = ANY(%s)""",
        (organization_id, external_ids),
    ).fetchall()
    return {r["external_id"]: r for r in rows}


def upsert_many(conn: psycopg.Connection, organization_id: UUID,
                rows: list[dict[str, Any]]) -> dict[str, UUID]:
    """Insert or update by external id (also revives deleted articles)."""
    if not rows:
        return {}
    ids: dict[str, UUID] = {}
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO knowledge_articles (organization_id, external_id, title, body, url,
                                            tags, content_hash)
            VALUES (%s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (organization_id, external_id) DO UPDATE SET
                title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
                tags = EXCLUDED.tags, content_hash = EXCLUDED.content_hash,
                deleted_at = NULL, updated_at = now()
            RETURNING id, external_id
            """,
            [(organization_id, r["external_id"], r["title"], r["body"], r["url"], r["tags"],
              r["content_hash"]) for r in rows],
            returning=True,
        )
        while True:
            row = cur.fetchone()
            if row is not None:
                ids[row["external_id"]] = row["id"]
            if not cur.nextset():
                break
    return ids


def soft_delete(conn: psycopg.Connection, organization_id: UUID,
                external_id: str) -> UUID | None:
    row = conn.execute(
        """UPDATE knowledge_articles
              SET deleted_at = now(), updated_at = now(), indexed_hash = NULL
            WHERE organization_id = %s AND external_id = %s AND deleted_at IS NULL
            RETURNING id""",
        (organization_id, external_id),
    ).fetchone()
    return row["id"] if row else None


def get_by_external_id(conn: psycopg.Connection, organization_id: UUID,
                       external_id: str) -> dict[str, Any] | None:
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM knowledge_articles
             WHERE organization_id = %s AND external_id = %s AND deleted_at IS NULL""",
        (organization_id, external_id),
    ).fetchone()


def list_page(conn: psycopg.Connection, organization_id: UUID, limit: int,
              after: tuple[datetime, UUID] | None) -> list[dict[str, Any]]:
    if after is None:
        return conn.execute(
            f"""SELECT {_COLUMNS} FROM knowledge_articles
                 WHERE organization_id = %s AND deleted_at IS NULL
                 ORDER BY created_at DESC, id DESC LIMIT %s""",
            (organization_id, limit),
        ).fetchall()
    return conn.execute(
        f"""SELECT {_COLUMNS} FROM knowledge_articles
             WHERE organization_id = %s AND deleted_at IS NULL
               AND (created_at, id) < (%s, %s)
             ORDER BY created_at DESC, id DESC LIMIT %s""",
        (organization_id, after[0], after[1], limit),
    ).fetchall()


def get_many(conn: psycopg.Connection, organization_id: UUID,
             article_ids: list[UUID]) -> list[dict[str, Any]]:
    """Articles to index, deleted ones too (their passages must go)."""
    return conn.execute(
        """SELECT id, external_id, title, body, url, content_hash, indexed_hash, deleted_at
             FROM knowledge_articles
            WHERE organization_id = %s AND id = ANY(%s)""",
        (organization_id, article_ids),
    ).fetchall()


def ids_needing_index(conn: psycopg.Connection, organization_id: UUID,
                      everything: bool = False) -> list[UUID]:
    rows = conn.execute(
        """SELECT id FROM knowledge_articles
            WHERE organization_id = %s AND deleted_at IS NULL
              AND (%s OR indexed_hash IS DISTINCT FROM content_hash)
            ORDER BY id""",
        (organization_id, everything),
    ).fetchall()
    return [r["id"] for r in rows]


def has_articles(conn: psycopg.Connection, organization_id: UUID) -> bool:
    """Whether the store has any indexed passage to answer from."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM knowledge_passages WHERE organization_id = %s) AS any",
        (organization_id,),
    ).fetchone()["any"]
