"""The local stack: the production handlers on one machine, no AWS account, no keys.

- HTTP: the same FastAPI app as Lambda, on uvicorn.
- WebSocket: `/ws` on the same port turns sockets into API Gateway events for the real
  ws handlers, and `/@connections` lets their boto3 `post_to_connection` reach the browser.
- Widget: `/widget/*` (the embeddable chat) and `/demo` (a storefront page using it).
- SQS: moto's server on loopback with the index queue and its DLQ; a poller hands
  SQS-shaped batches to the real `index_products` handler.
- Webhooks: a store's first attempt goes out from the process that committed it; retries
  run through the real `deliver_webhooks` handler on a 5 s schedule (EventBridge's part).
- Database: embedded Postgres (or DATABASE_URL).
- A demo store (seeded catalog and help articles) is created on first run; its key is kept
  in the project-local data dir so the README's curl examples can use it.

After its banner the stack prints what a developer reads: requests, indexing summaries,
webhook sweeps that sent something, warnings and errors. `--verbose` adds the stand-ins'
own traffic (moto's access line for each SQS call, the `@connections` posts), idle sweeps,
CloudWatch metric blobs and botocore's chatter (`configure_logging`).
"""

from __future__ import annotations

import html
import importlib.util
import json
import logging
import os
import warnings
from pathlib import Path

from agentpay_dev.localstack.functions import REPO_ROOT

logger = logging.getLogger("agentpay.dev")
DEMO_PRODUCTS = 1000
# How the dev stack runs uvicorn (and logging); `agentpay bench load` serves its bare
# FastAPI baseline the same way, so the two are compared like for like.
UVICORN_SETTINGS = {"log_level": "info"}
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class QuietIdleSweeps(logging.Filter):
    """Drop the webhook sweep's summary when it sent, retried and failed nothing: the
    schedule runs every 5 s, so idle sweeps would be most of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() != "webhooks swept":
            return True
        return any(getattr(record, name, 0) for name in ("delivered", "retrying", "failed"))


def configure_logging(verbose: bool = False) -> None:
    """Logging for `agentpay dev`: quiet unless `verbose` (the stand-ins quiet themselves:
    `start_local_sqs` and `LocalWebSocketGateway` take the same flag)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if verbose:
        return
    # "Found credentials in environment variables", once per client
    logging.getLogger("botocore").setLevel(logging.WARNING)
    # Each batch the handlers run would print its EMF metrics blob to stdout; the "indexed"
    # line carries the same counts. Set POWERTOOLS_METRICS_DISABLED=false to see them.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # ws_message's schedule publishes no metrics, and Powertools warns about that
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    logging.getLogger("agentpay.webhooks.handler").addFilter(QuietIdleSweeps())


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
    from agentpay.catalog.queue import product_messages
    from agentpay_dev.catalog.demo import generate_catalog

    with db.transaction() as conn:
        outcome = service.upsert_products(conn, demo["organization_id"],
                                          generate_catalog(DEMO_PRODUCTS, seed=7))
    queue.send(product_messages(demo["organization_id"], outcome.to_index))
    return len(outcome.to_index)


def seed_demo_knowledge(db, demo: dict, queue) -> int:
    """The demo store's help articles; unchanged ones are neither written nor queued."""
    from agentpay_dev.knowledge.commands import demo_articles, upsert

    return len(upsert(db, queue, demo["organization_id"], demo_articles()).to_index)


def local_base_url(host: str, port: int) -> str:
    """Where processes on this machine reach the server (a wildcard bind is not an address)."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def point_handlers_here(base_url: str) -> None:
    """The ws handlers post through `@connections` on this server; links name this server.

    `settings.ws_endpoint` wins over the endpoint derived from an event (which is always
    https:// in AWS), so the production boto3 path is kept and only its address changes.
    """
    from agentpay.config import reset_settings

    os.environ["AGENTPAY_WS_ENDPOINT"] = base_url
    # the dashboard's live updates come through the local WebSocket front
    from agentpay_dev.localstack.websocket import WS_PATH

    os.environ.setdefault("AGENTPAY_DASHBOARD_WS_URL",
                          base_url.replace("http://", "ws://", 1) + WS_PATH)
    os.environ.setdefault("AGENTPAY_PUBLIC_BASE_URL", base_url)
    reset_settings()


def mount_widget(app, demo: dict | None) -> None:
    """Serve the chat widget and a demo storefront page; only the dev stack does this."""
    from fastapi.responses import HTMLResponse, PlainTextResponse
    from fastapi.staticfiles import StaticFiles

    widget_dir = REPO_ROOT / "widget"
    app.mount("/widget", StaticFiles(directory=widget_dir), name="widget")

    async def demo_page(request):
        if demo is None:
            return PlainTextResponse("no demo store: run `agentpay dev` without --no-demo",
                                     status_code=404)
        page = (widget_dir / "demo.html").read_text()
        base = str(request.base_url).rstrip("/")
        page = page.replace("__AGENTPAY_AGENT_KEY__", html.escape(demo["publishable_key"]))
        return HTMLResponse(page.replace("__AGENTPAY_API__", html.escape(base)))

    app.add_route("/demo", demo_page, methods=["GET"], include_in_schema=False)


def _check_websocket_support() -> None:
    if not (importlib.util.find_spec("websockets") or importlib.util.find_spec("wsproto")):
        logger.warning("no WebSocket library for uvicorn: `pip install websockets` "
                       "(or run `make setup`) to serve /ws")


def run_dev(host: str = "127.0.0.1", port: int = 8000, demo: bool = True,
            verbose: bool = False) -> int:
    import uvicorn

    from agentpay.api.app import create_app
    from agentpay.catalog.queue import SqsIndexQueue, set_index_queue
    from agentpay.db import get_database
    from agentpay.db.migrate import migrate
    from agentpay_dev.db.embedded import use_local_database
    from agentpay_dev.localstack.functions import LocalContext, load_function
    from agentpay_dev.localstack.sqs import SqsPoller, start_local_sqs
    from agentpay_dev.localstack.websocket import WS_PATH, LocalWebSocketGateway

    configure_logging(verbose)
    base_url = local_base_url(host, port)
    point_handlers_here(base_url)
    _check_websocket_support()
    use_local_database()  # the embedded server unless DATABASE_URL is set
    db = get_database()
    with db.connection() as conn:
        applied = migrate(conn)
    if applied:
        logger.info("applied migrations %s", ", ".join(applied))

    queues = start_local_sqs(visibility_timeout=30, verbose=verbose)
    queue = SqsIndexQueue(queues.client(), queues.queue_url)
    set_index_queue(queue)
    poller = SqsPoller(queues, load_function("index_products").handler,
                       LocalContext("index_products"))
    poller.start()
    # Webhook retries: the deliver_webhooks handler on a schedule, as EventBridge runs it
    # (first attempts go out from the process that committed them).
    from agentpay_dev.localstack.schedule import Schedule

    sweeper = Schedule(load_function("deliver_webhooks").handler,
                       LocalContext("deliver_webhooks"), every_seconds=5)
    sweeper.start()
    # Dashboards whose operator token expired: ws_message's schedule closes their sockets.
    closer = Schedule(load_function("ws_message").handler, LocalContext("ws_message"),
                      every_seconds=5)
    closer.start()
    # Load the embedding model before serving, so the first search or indexing batch
    # does not pay for it.
    from agentpay.embeddings import get_embedder

    get_embedder().embed(["warm up"])

    app = create_app()
    gateway = LocalWebSocketGateway(base_url.removeprefix("http://"), verbose=verbose)
    gateway.attach(app)
    # Build the handlers' management-API client now, before worker threads race to.
    from agentpay.realtime.lambda_glue import broadcaster_for

    broadcaster_for({})
    ws_url = base_url.replace("http://", "ws://", 1) + WS_PATH
    print(f"AgentPay dev stack\n  HTTP API   {base_url}  (OpenAPI docs at /docs)\n"
          f"  Dashboard  {base_url}/dashboard  (sign in with an organization's secret key)\n"
          f"  WebSocket  {ws_url}?token=CONVERSATION_TOKEN  (@connections at {base_url})\n"
          f"  SQS        {queues.endpoint_url}  (index queue + DLQ, polled into "
          "index_products)", flush=True)
    creds = None
    if demo:
        path = demo_credentials_path()
        creds = ensure_demo_store(db, path)
        queued = seed_demo_catalog(db, creds, queue)
        articles = seed_demo_knowledge(db, creds, queue)
        print(f"  Demo store organization {creds['organization_id']}\n"
              f"             secret key and agent keys in {path}\n"
              f"             {queued} products queued for indexing\n"
              f"             {articles} help articles queued for indexing\n"
              f"  Demo page  {base_url}/demo  (the chat widget on a storefront)", flush=True)
    mount_widget(app, creds)
    try:
        uvicorn.run(app, host=host, port=port, **UVICORN_SETTINGS)
    finally:
        gateway.close()
        sweeper.stop()
        closer.stop()
        poller.stop()
        queues.stop()
    return 0
