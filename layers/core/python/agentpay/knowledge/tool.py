"""`search_knowledge`: the store's help articles as a read-only tool, for the engine's
store questions and for a model that wants to look a policy up."""

from __future__ import annotations

from typing import Any

from agentpay.knowledge import repository, retrieval
from agentpay.knowledge.answers import answer_data
from agentpay.knowledge.words import TOPIC_WORDS, topic_stems
from agentpay.orchestrator.actions import ToolStep
from agentpay.orchestrator.context import TurnContext
from agentpay.tools.registry import Tool

NAME = "search_knowledge"


def _search(ctx: TurnContext, args: dict[str, Any]) -> dict[str, Any]:
    embedder = ctx.embedder
    if embedder is None:
        from agentpay.embeddings import get_embedder

        embedder = get_embedder()
    topic = args.get("topic")
    found = retrieval.search(ctx.conn, ctx.organization_id, args["query"], topic, embedder)
    return {"query": args["query"], "topic": topic,
            **answer_data(found, args["query"], topic_stems(topic))}


SEARCH_KNOWLEDGE = Tool(
    name=NAME,
    description=("Search the store's own help articles (shipping, returns, exchanges, "
                 "payment, warranty, sizing, contact and other store policies). Returns "
                 "the passages that answer, with each article's title and link; an empty "
                 "list means the store has not written about it."),
    input_schema={
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 1, "maxLength": 500},
            "topic": {"type": ["string", "null"], "enum": [*TOPIC_WORDS, None]},
        },
        "required": ["query"],
        "additionalProperties": False,
    },
    fn=_search,
)


def steps(ctx: TurnContext, text: str, topic: str | None) -> list[ToolStep]:
    """The knowledge step of a store question, when the store has articles to answer
    from (a store without any answers as before, with no lookup)."""
    if not repository.has_articles(ctx.conn, ctx.organization_id):
        return []
    return [ToolStep(NAME, {"query": text[:500],
                            "topic": topic if topic in TOPIC_WORDS else None})]
