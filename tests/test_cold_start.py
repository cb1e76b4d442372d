"""What a handler's cold start imports: X-Ray's SDK only when tracing is on, and then the
handler is traced as before (issue 22, item 3). Fresh interpreters, as Lambda starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def run(code: str, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
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
