"""Plays a task's turns in a fresh conversation, as the store's widget would.

The conversation is started with the agent's publishable key; each turn is sent with the
conversation token and its own `client_message_id`, so a retry (after a 429 or a lost
answer) is replayed by the server, never answered twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agentpay_dev.shoppers.client import Api, ApiError
from agentpay_dev.shoppers.tasks import Task
from agentpay_dev.shoppers.transcript import Turn


@dataclass(frozen=True)
class Credentials:
    """The demo store's keys (`demo.json`): the secret key reads the catalog and the
    agent, the publishable key starts conversations."""

    api_key: str
    agent_id: str
    publishable_key: str

    @classmethod
    def from_json(cls, data: dict) -> Credentials:
        missing = [k for k in ("api_key", "agent_id", "publishable_key") if not data.get(k)]
        if missing:
            raise ValueError(f"credentials lack {', '.join(missing)}")
        return cls(data["api_key"], data["agent_id"], data["publishable_key"])


def run_task(api: Api, credentials: Credentials, task: Task) -> list[Turn]:
    """One Turn per line of the task, whatever happens to each."""
    try:
        created = api.call("POST", "/v1/agent/conversations", credentials.publishable_key, {})
        error = (None if created.status == 201 and isinstance(created.body, dict) else
                 f"conversation not created: HTTP {created.status}: {created.body}"[:500])
    except ApiError as exc:
        error = f"conversation not created: {exc}"[:500]
    if error:
        return [Turn(n, text, error=error) for n, text in enumerate(task.turns, start=1)]
    conversation_id = created.body["conversation"]["id"]
    token = created.body["token"]
    path = f"/v1/agent/conversations/{conversation_id}/messages"
    run = uuid.uuid4().hex[:12]
    turns = []
    for number, text in enumerate(task.turns, start=1):
        # the same id on every retry of this turn, a new one for every run
        body = {"content": text, "client_message_id": f"{task.id[:80]}-{run}-{number}"}
        try:
            response = api.call("POST", path, token, body)
        except ApiError as exc:
            turns.append(Turn(number, text, error=str(exc)[:500]))
            continue
        turns.append(Turn.answered(number, text, response.status, response.ms, response.body))
    return turns
