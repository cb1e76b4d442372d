"""The local stack: the production FastAPI app on uvicorn over the embedded database."""

from __future__ import annotations

import logging


def run_dev(host: str = "127.0.0.1", port: int = 8000) -> int:
    import uvicorn

    from agentpay.api.app import create_app
    from agentpay.db import get_database
    from agentpay.db.migrate import migrate

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    db = get_database()
    with db.connection() as conn:
        applied = migrate(conn)
    if applied:
        logging.getLogger("agentpay").info("applied migrations %s", ", ".join(applied))
    print(f"AgentPay dev stack: HTTP API on http://{host}:{port}  (docs: /docs)", flush=True)
    print("Create an organization in another shell: .venv/bin/agentpay org create 'My Store'",
          flush=True)
    uvicorn.run(create_app(), host=host, port=port, log_level="info")
    return 0
