"""The baseline for `agentpay bench load`: FastAPI with one JSON endpoint, nothing else.

Served exactly as the dev stack serves AgentPay (`devstack.UVICORN_SETTINGS`, the same
logging), in its own process, so the ratio of the two p50s is AgentPay's own cost. The
endpoint is a sync `def` taking a validated JSON body, like AgentPay's routes.

    python -m agentpay_dev.loadbench.bare_app --port 8001
"""

from __future__ import annotations

import argparse
import logging

from fastapi import FastAPI
from pydantic import BaseModel

ECHO_PATH = "/echo"


class Echo(BaseModel):
    content: str


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.post(ECHO_PATH)
    def echo(body: Echo) -> dict:
        return {"content": body.content, "length": len(body.content)}

    return app


def main() -> None:
    import uvicorn

    from agentpay_dev.devstack import LOG_FORMAT, UVICORN_SETTINGS

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    uvicorn.run(create_bare_app(), host=args.host, port=args.port, **UVICORN_SETTINGS)


if __name__ == "__main__":
    main()
