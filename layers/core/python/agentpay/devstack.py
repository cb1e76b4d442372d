"""The local stack: the production handlers on one machine, no AWS account, no keys.

- HTTP: the same FastAPI app as Lambda, on uvicorn.
- SQS: moto's server on loopback with the index queue and its DLQ; a poller hands
  SQS-shaped batches to the real `index_products` handler.
- Database: embedded Postgres (or DATABASE_URL).
- A demo store (seeded catalog) is created on first run; its key is kept in the
  project-local data dir so the README's curl examples can use it.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

logger = logging.getLogger("agentpay.dev")
DEMO_PRODUCTS = 1000


def demo_credentials_path() -> Path:
    from agentpay.config import get_settings

    return get_settings().data_dir / "demo.json"


def ensure_demo_store(db, path: Path) -> dict:
    """Create the demo organization, agent and catalog once; return its credentials."""
    from agentpay.agents.schemas import AgentCreate
    from agentpay.agents.service import create_agent
    from agentpay.catalog import repository
    from agentpay.organizations.service import create_organization

    if path.exists():
        demo = json.loads(path.read_text())
        with db.connection() as conn:
            if repository.organization_exists(conn, demo["organization_id"]):
                return demo
    with db.transaction() as conn:
        org, key = create_organization(conn, "Demo Store")
        agent = create_agent(conn, org["id"], AgentCreate(
            name="Demo sales assistant",
            personality={"tone": "friendly", "greeting": "Hi! Looking for anything special?"},
            rules={"max_discount_percent": 10},
        ))
    demo = {"organization_id": str(org["id"]), "api_key": key.secret,
            "agent_id": str(agent["id"]), "publishable_key": agent["publishable_key"]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(demo, indent=2))
    os.chmod(path, 0o600)
    return demo


def seed_demo_catalog(db, demo: dict, queue) -> int:
    from agentpay.catalog import service
    from agentpay.catalog.demo import generate_catalog
    from agentpay.catalog.queue import product_messages

    with db.transaction() as conn:
        outcome = service.upsert_products(conn, demo["organization_id"],
                                          generate_catalog(DEMO_PRODUCTS, seed=7))
    queue.send(product_messages(demo["organization_id"], outcome.to_index))
    return len(outcome.to_index)


def run_dev(host: str = "127.0.0.1", port: int = 8000, demo: bool = True) -> int:
    import uvicorn

    from agentpay.api.app import create_app
    from agentpay.catalog.queue import SqsIndexQueue, set_index_queue
    from agentpay.db import get_database
    from agentpay.db.migrate import migrate
    from agentpay.localstack.functions import LocalContext, load_function
    from agentpay.localstack.sqs import SqsPoller, start_local_sqs

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    db = get_database()
    with db.connection() as conn:
        applied = migrate(conn)
    if applied:
        logger.info("applied migrations %s", ", ".join(applied))

    queues = start_local_sqs(visibility_timeout=30)
    queue = SqsIndexQueue(queues.client(), queues.queue_url)
    set_index_queue(queue)
    poller = SqsPoller(queues, load_function("index_products").handler,
                       LocalContext("index_products"))
    poller.start()
    # Load the embedding model before serving, so the first search or indexing batch
    # does not pay for it.
    from agentpay.embeddings import get_embedder

    get_embedder().embed(["warm up"])

    print(f"AgentPay dev stack\n  HTTP API   http://{host}:{port}  (OpenAPI docs at /docs)\n"
          f"  SQS        {queues.endpoint_url}  (index queue + DLQ, polled into "
          "index_products)", flush=True)
    if demo:
        path = demo_credentials_path()
        creds = ensure_demo_store(db, path)
        queued = seed_demo_catalog(db, creds, queue)
        print(f"  Demo store organization {creds['organization_id']}\n"
              f"             secret key and agent keys in {path}\n"
              f"             {queued} products queued for indexing", flush=True)
    try:
        uvicorn.run(create_app(), host=host, port=port, log_level="info")
    finally:
        poller.stop()
        queues.stop()
    return 0
