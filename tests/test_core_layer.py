"""The core Lambda layer carries the production package only (issue 22, item 2).

The developer tools (`tools/agentpay_dev`: the CLI, the local stack, the embedded Postgres,
the demo store, benchmarks) import `agentpay`; nothing in `agentpay` or `functions/` may
import them, so the layer built by `layers/core/Makefile` runs every handler without them.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "layers" / "core" / "python" / "agentpay"
DEV = ROOT / "tools" / "agentpay_dev"
DEV_NAME = "agentpay_dev"
HANDLERS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))

# What template.yaml's Globals give every function (values are placeholders: importing a
# handler must reach no database, secret or queue).
DEPLOYED_ENV = {
    "AGENTPAY_ENV": "production",
    "DB_HOST": "agentpay-proxy.proxy-abc.us-east-1.rds.amazonaws.com",
    "DB_PORT": "5432",
    "DB_NAME": "agentpay",
    "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-app",
    "DB_SSLMODE": "verify-full",
    "AGENTPAY_LLM_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm",
    "AGENTPAY_CHECKOUT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:co",
    "AGENTPAY_PAYMENTS_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pay",
    "AGENTPAY_DATA_KEY_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:key",
    "AGENTPAY_PUBLIC_BASE_URL": "https://abc123.execute-api.us-east-1.amazonaws.com/prod",
    "AGENTPAY_INDEX_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/index",
    "AGENTPAY_WEBHOOK_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/hooks",
    "AGENTPAY_EMBEDDING_PROVIDER": "local",
    "AGENTPAY_WS_ENDPOINT": "https://abc123.execute-api.us-east-1.amazonaws.com/prod",
    "POWERTOOLS_SERVICE_NAME": "agentpay",
    "POWERTOOLS_METRICS_NAMESPACE": "AgentPay",
    "LOG_LEVEL": "INFO",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

# A fresh interpreter started with -S -E (no site: no .pth, so no editable install of the
# repository; no PYTHONPATH). Its path is the function's folder, the built layer and the
# third-party site-packages, as Lambda's is /var/task, /opt/python and the runtime's; the
# dev package is refused outright, should a non-editable install have put it beside them.
IMPORT_HANDLER = """
import importlib.abc, importlib.util, json, sys
task_root, layer, *site_dirs = sys.argv[1:]
stdlib = [p for p in sys.path if p]  # -S -E: the standard library alone
sys.path[:] = [task_root, layer, *stdlib, *site_dirs]

class RefuseDev(importlib.abc.MetaPathFinder):
    tried = []
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "agentpay_dev":
            self.tried.append(name)
            raise ImportError("the dev package is not in the layer: " + name)
        return None

sys.meta_path.insert(0, RefuseDev())
spec = importlib.util.spec_from_file_location("app", task_root + "/app.py")
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
ours = {name: getattr(mod, "__file__", None) or "" for name, mod in sys.modules.items()
        if name.split(".")[0] in ("agentpay", "agentpay_dev")}
print(json.dumps({"handler": callable(getattr(module, "handler", None)),
                  "tried_dev": RefuseDev.tried,
                  "outside_layer": sorted(n for n, f in ours.items()
                                          if f and not f.startswith(layer)),
                  "modules": len(ours)}))
"""


def dev_modules() -> set[str]:
    """Every file of the dev package, as the path it had (or would have) inside agentpay/."""
    return {p.relative_to(DEV).as_posix() for p in DEV.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def layer(tmp_path_factory) -> Path:
    """The core layer as `sam build` makes it: layers/core/Makefile into ARTIFACTS_DIR."""
    artifacts = tmp_path_factory.mktemp("core-layer")
    done = subprocess.run(["make", "-C", str(ROOT / "layers" / "core"), "build-CoreLayer",
                           f"ARTIFACTS_DIR={artifacts}"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return artifacts / "python"


def test_the_built_core_layer_holds_the_production_package_and_nothing_of_the_dev_tools(layer):
    # GIVEN the core layer built by its Makefile
    shipped = {p.relative_to(layer / "agentpay").as_posix() for p in layer.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    # THEN it is the agentpay package alone
    assert [p.name for p in layer.iterdir()] == ["agentpay"]
    # AND no file of the dev package is in it (its folders mirror agentpay's: a module
    # moved out would come back under the same relative path); package faces aside
    leaked = {path for path in dev_modules() & shipped if not path.endswith("__init__.py")}
    assert not leaked
    # AND none of the kinds of code that never run in Lambda came back under a new name
    assert not [p for p in shipped
                if Path(p).name in ("bench.py", "demo.py", "cli.py", "devstack.py",
                                    "embedded.py", "demo_articles.jsonl")
                or Path(p).parts[0] in ("localstack", "loadbench", "shoppers")]
    # AND what production reads beside its code is there (migrations, CA bundle, data)
    assert "db/certs/rds-ca-bundle.pem" in shipped
    assert {"migrations/0001_foundation.sql", "understanding/data/synonyms.txt",
            "dashboard/static/index.html"} <= shipped


def test_no_production_module_imports_the_dev_package():
    # GIVEN every module of the production package and every handler
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "functions").glob("*/app.py")]
    offenders = []
    for path in sources:
        text = path.read_text()
        # a string naming it (importlib, a subprocess's -m) is as bad as an import
        if DEV_NAME in text:
            offenders.append(f"{path.relative_to(ROOT)} names {DEV_NAME}")
        for node in ast.walk(ast.parse(text)):  # function bodies too: lazy imports count
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                          for name in names if name.split(".")[0] == DEV_NAME]
    # THEN none does
    assert sources and not offenders


def test_the_dev_package_mirrors_no_module_that_production_still_has():
    # a module copied instead of moved would live on in the layer
    production = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts}
    assert not {p for p in dev_modules() & production if not p.endswith("__init__.py")}


def test_the_deployed_environment_here_is_the_templates():
    # every variable template.yaml's Globals give the functions is set in DEPLOYED_ENV
    template = (ROOT / "template.yaml").read_text()
    block = re.search(r"^Globals:.*?^    Environment:\n      Variables:\n(.*?)^\S", template,
                      re.MULTILINE | re.DOTALL)
    assert block, "template.yaml's Globals lost their environment"
    names = set(re.findall(r"^        ([A-Z_][A-Z0-9_]*):", block.group(1), re.MULTILINE))
    assert "DB_HOST" in names and names <= set(DEPLOYED_ENV)


@pytest.mark.slow  # one fresh interpreter per handler
@pytest.mark.parametrize("function", HANDLERS)
def test_each_handler_imports_from_the_built_layer_alone(layer, function, tmp_path):
    # GIVEN a Lambda-like interpreter: the function's folder, the built layer and the
    # third-party packages, the deployed environment, no repository on its path
    site_dirs = [p for p in sys.path if p.rstrip("/").endswith("site-packages")]
    env = {**DEPLOYED_ENV, "AWS_LAMBDA_FUNCTION_NAME": function,
           "LAMBDA_TASK_ROOT": str(ROOT / "functions" / function),
           "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    # WHEN it imports the handler, outside the repository
    done = subprocess.run(
        [sys.executable, "-S", "-E", "-c", IMPORT_HANDLER, str(ROOT / "functions" / function),
         str(layer), *site_dirs], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    # THEN the handler is there, built from the layer's agentpay only, and nothing even
    # tried to import the dev package
    assert loaded["handler"] is True
    assert loaded["tried_dev"] == [] and loaded["outside_layer"] == []
    assert loaded["modules"] > 5
