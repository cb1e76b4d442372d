"""Cold start of each Lambda handler against the bare stack, as Lambda starts them.

Lambda imports a handler in a new interpreter, so every sample here is a fresh `python`:
the bare stack (FastAPI + Mangum + Powertools Logger/Metrics/Tracer set up as a minimal
handler would) and a handler in turn, A B A B, so a machine that speeds up or slows down
mid-run moves both. The figure to quote is the median of the pair ratios (issue 22, item 3).
With `request`, http_api also serves one real-shaped API Gateway event after its import
(`events/http_api_healthz.json`: a database round trip), so that a cost moved from the
import to the first request shows up instead of vanishing.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import agentpay

PACKAGE_ROOT = Path(agentpay.__file__).resolve().parent.parent  # layers/core/python
REPO = PACKAGE_ROOT.parent.parent.parent
HANDLERS = ("http_api", "ws_connect", "ws_disconnect", "ws_message", "index_products",
            "deliver_webhooks", "migrate")
FIRST_REQUEST = {"http_api": "http_api_healthz.json"}
MARK = "COLDSTART "

# A minimal handler on the same stack. With tracing off its tracer gets a provider that does
# nothing, as agentpay's does (Powertools' default would import X-Ray's SDK even then).
BARE = '''
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from fastapi import FastAPI
from mangum import Mangum

if Tracer._is_tracer_disabled():
    from contextlib import asynccontextmanager, contextmanager

    from aws_lambda_powertools.tracing.base import BaseProvider

    class Segment:
        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    class Off(BaseProvider):
        @contextmanager
        def in_subsegment(self, name=None, **kwargs):
            yield Segment()

        @asynccontextmanager
        async def in_subsegment_async(self, name=None, **kwargs):
            yield Segment()

        def put_annotation(self, key, value): ...
        def put_metadata(self, key, value, namespace="default"): ...
        def patch(self, modules): ...
        def patch_all(self): ...

    tracer = Tracer(disabled=True, provider=Off())
else:
    tracer = Tracer()
logger = Logger()
metrics = Metrics()
app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return asgi(event, context)
'''

# Run in the fresh interpreter: import the handler file as Lambda does (its folder first on
# sys.path, module `app`), then optionally invoke it once with an event file.
CHILD = '''
import importlib.util, json, os, sys, time
path, name, event_path = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.dirname(path))
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", path)
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
imported = time.perf_counter()
result = {"import_ms": (imported - started) * 1000, "modules": len(sys.modules)}
if event_path:
    class Context:
        function_name = name
        function_version = "$LATEST"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + name
        aws_request_id = "c0ffee00-0000-4000-8000-000000000000"
        log_group_name = "/aws/lambda/" + name
        log_stream_name = "coldstart"
        def get_remaining_time_in_millis(self):
            return 30000
    os.environ["_X_AMZN_TRACE_ID"] = ("Root=1-5759e988-bd862e3fe1be46a994272793;"
                                      "Parent=53995c3f42cd8ad8;Sampled=1")
    with open(event_path) as f:
        event = json.load(f)
    reply = module.handler(event, Context())
    result["first_request_ms"] = (time.perf_counter() - imported) * 1000
    result["status"] = reply.get("statusCode") if isinstance(reply, dict) else None
print("%s%s" % (MARK, json.dumps(result)))
'''.replace("MARK", repr(MARK))


def environment(name: str, tracing: bool, database_url: str | None) -> dict[str, str]:
    """The deployed function's environment (template.yaml Globals) on this machine."""
    env = {**os.environ, "AGENTPAY_ENV": "production", "POWERTOOLS_SERVICE_NAME": "agentpay",
           "POWERTOOLS_METRICS_NAMESPACE": "AgentPay", "LOG_LEVEL": "INFO",
           "PYTHONPATH": os.pathsep.join(
               p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.setdefault("AWS_REGION", env["AWS_DEFAULT_REGION"])
    for key in ("POWERTOOLS_TRACE_DISABLED", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT",
                "_X_AMZN_TRACE_ID"):
        env.pop(key, None)
    if tracing:  # Tracing: Active, as deployed
        env.update({"AWS_LAMBDA_FUNCTION_NAME": name,
                    "LAMBDA_TASK_ROOT": str(REPO / "functions" / name)})
    else:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def sample(path: Path, name: str, env: dict[str, str], event: Path | None) -> dict:
    """One cold start in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name, str(event or "")], env=env,
        capture_output=True, text=True, timeout=120, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{name}: cold start failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len(MARK):])


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def bench_coldstart(runs: int = 7, tracing: bool = True, handlers: tuple[str, ...] = HANDLERS,
                    database_url: str | None = None) -> dict:
    """Per handler: median import (and first request) against the bare stack's, and ratios."""
    # The core layer ships bytecode (layers/core/Makefile); without it every sample would
    # compile agentpay from source (PYTHONDONTWRITEBYTECODE) and measure that instead.
    for tree in (PACKAGE_ROOT / "agentpay", REPO / "functions"):
        compileall.compile_dir(tree, quiet=2)
    result: dict = {"runs": runs, "tracing": tracing, "load": list(os.getloadavg()),
                    "handlers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare" / "app.py"
        bare.parent.mkdir()
        bare.write_text(BARE)
        samples: dict[str, list[tuple[dict, dict]]] = {name: [] for name in handlers}
        for _ in range(runs + 1):  # the first round warms the disk cache and is dropped
            for name in handlers:
                event = REPO / "events" / FIRST_REQUEST[name] \
                    if database_url and name in FIRST_REQUEST else None
                env = environment(name, tracing, database_url)
                pair = (sample(bare, name, env, event),
                        sample(REPO / "functions" / name / "app.py", name, env, event))
                samples[name].append(pair)
    for name, pairs in samples.items():
        pairs = pairs[1:]
        figures = {
            "import_ms": _median([h["import_ms"] for _, h in pairs]),
            "bare_import_ms": _median([b["import_ms"] for b, _ in pairs]),
            "ratio": round(statistics.median(h["import_ms"] / b["import_ms"] for b, h in pairs),
                           2),
            "modules": pairs[-1][1]["modules"], "bare_modules": pairs[-1][0]["modules"]}
        if "first_request_ms" in pairs[-1][1]:
            total = [h["import_ms"] + h["first_request_ms"] for _, h in pairs]
            bare_total = [b["import_ms"] + b["first_request_ms"] for b, _ in pairs]
            figures.update({
                "first_request_status": pairs[-1][1]["status"],
                "import_and_first_request_ms": _median(total),
                "bare_import_and_first_request_ms": _median(bare_total),
                "import_and_first_request_ratio": round(
                    statistics.median(h / b for h, b in zip(total, bare_total, strict=True)),
                    2)})
        result["handlers"][name] = figures
    return result
