"""What a handler's cold start imports: X-Ray's SDK only when tracing is on, and then the
handler is traced as before; what only some requests need (the six layers, numpy, JSON
Schema, payment and model SDKs, the pool) comes with the first request that needs it, and
that request still works (issue 22, item 3). Fresh interpreters, as Lambda starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LOAD_HTTP_API = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", "functions/http_api/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"xray": "aws_xray_sdk.core" in sys.modules,
                  "disabled": module.tracer.disabled}))
"""

# A traced handler in a Lambda-like environment, its subsegments caught at the emitter.
TRACED = """
import json
from aws_xray_sdk.core import xray_recorder
from agentpay.observability import tracer

sent = []

class Emitter:
    def send_entity(self, entity):
        sent.append(json.loads(entity.serialize()))
    def set_daemon_address(self, address):
        pass

xray_recorder.configure(emitter=Emitter())

@tracer.capture_lambda_handler
def handler(event, context):
    return {"statusCode": 200}

handler({}, None)
print(json.dumps({"provider": type(tracer.provider).__module__, "disabled": tracer.disabled,
                  "subsegments": [s["name"] for s in sent],
                  "annotations": [s.get("annotations", {}) for s in sent]}))
"""


# Loaded by the requests that need them, never by a handler's import.
LAZY = ("numpy", "jsonschema", "cryptography.hazmat", "psycopg_pool", "pgvector", "tokenizers",
        "stripe", "polar_sdk", "anthropic", "openai", "agentpay.orchestrator.engine",
        "agentpay.understanding.classifier", "agentpay.understanding.entities",
        "agentpay.catalog.search", "agentpay.tools.registry", "agentpay.payments.endpoints")
# No handler imports these: the model and payment SDKs come with a model or payment call.
NEVER_AT_IMPORT = ("stripe", "polar_sdk", "anthropic", "openai", "agentpay.orchestrator.engine")

LOAD_HANDLER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", "functions/%s/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(sys.modules)))
"""

# The http_api handler, cold, serves a shopper's message as API Gateway delivers it.
COLD_MESSAGE = """
import importlib.util, json, sys
LAZY = %r
spec = importlib.util.spec_from_file_location("app", "functions/http_api/app.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
before = [m for m in LAZY if m in sys.modules]
event = json.loads(sys.argv[1])

class Context:
    function_name = "http_api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:http_api"
    aws_request_id = "cold-start-test"

reply = module.handler(event, Context())
print(json.dumps({"before": before, "after": [m for m in LAZY if m in sys.modules],
                  "status": reply["statusCode"], "body": json.loads(reply["body"])}))
"""


def run(code: str, env: dict[str, str], *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_tracing_off_the_http_api_handler_does_not_import_xray():
    # GIVEN tracing off (as in the tests, the dev stack and the CLI)
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    # WHEN a fresh interpreter imports the http_api handler
    loaded = run(LOAD_HTTP_API, env)
    # THEN X-Ray's SDK stayed out of the cold start
    assert loaded == {"xray": False, "disabled": True}


def test_with_tracing_on_the_handler_is_traced_through_xray():
    # GIVEN a Lambda execution environment with tracing active, as deployed
    env = {**os.environ, "LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "http_api",
           "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;"
                               "Parent=53995c3f42cd8ad8;Sampled=1"}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    # WHEN a handler under tracer.capture_lambda_handler runs
    traced = run(TRACED, env)
    # THEN the tracer is X-Ray's, and the invocation is a subsegment with its annotations
    assert traced["provider"].startswith("aws_xray_sdk") and traced["disabled"] is False
    assert "## handler" in traced["subsegments"]
    assert {"ColdStart": True, "Service": "agentpay"} in traced["annotations"]


@pytest.mark.parametrize("name", ["http_api", "ws_connect", "ws_disconnect", "ws_message"])
def test_a_request_handlers_import_leaves_out_what_only_some_requests_need(name):
    # GIVEN the deployed environment without X-Ray (its import is tested above)
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AGENTPAY_ENV": "production"}
    # WHEN a fresh interpreter imports the handler
    modules = set(run(LOAD_HANDLER % name, env))
    # THEN nothing that only a message, a search, a checkout or a webhook needs came with it
    assert modules.isdisjoint(LAZY), sorted(modules & set(LAZY))


@pytest.mark.parametrize("name", ["index_products", "deliver_webhooks", "migrate"])
def test_a_background_handlers_import_leaves_out_the_model_and_payment_sdks(name):
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AGENTPAY_ENV": "production"}
    modules = set(run(LOAD_HANDLER % name, env))
    assert modules.isdisjoint(NEVER_AT_IMPORT), sorted(modules & set(NEVER_AT_IMPORT))


def test_a_cold_http_api_loads_the_turn_with_the_first_message_and_answers_it(
        tenant, make_agent, make_conversation):
    # GIVEN a conversation, and a shopper's message as API Gateway (HTTP API v2) delivers it
    created = make_conversation(make_agent(tenant, name="Ava"))
    event = json.loads((ROOT / "events" / "http_api_create_agent.json").read_text())
    path = f"/prod/v1/agent/conversations/{created['conversation']['id']}/messages"
    body = json.dumps({"content": "running shoes under $150"})
    event.update(rawPath=path, body=body)
    event["requestContext"]["http"].update(method="POST", path=path)
    event["headers"].update({"authorization": f"Bearer {created['token']}",
                             "content-length": str(len(body))})
    # WHEN a fresh interpreter imports the http_api handler and serves it
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}
    served = run(COLD_MESSAGE % (LAZY,), env, json.dumps(event))
    # THEN the import had none of the turn's modules, the message loaded them and was answered
    assert served["before"] == []
    assert {"agentpay.orchestrator.engine", "agentpay.understanding.classifier",
            "agentpay.tools.registry", "jsonschema"} <= set(served["after"])
    assert served["status"] == 201, served["body"]
    assert served["body"]["reply"]["role"] == "assistant"
    assert served["body"]["reply"]["content"]


def test_the_catalog_and_knowledge_routers_load_no_vectors_until_a_search():
    # GIVEN a fresh interpreter WHEN the routers behind PUT/GET products and articles load
    code = ("import json, sys; import agentpay.catalog.endpoints, agentpay.knowledge.endpoints;"
            " print(json.dumps(sorted(sys.modules)))")
    modules = set(run(code, {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true"}))
    # THEN an upsert or a listing brings neither numpy nor the search and its embedder
    assert modules.isdisjoint({"numpy", "agentpay.catalog.search", "agentpay.embeddings.factory"})
