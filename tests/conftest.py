"""Shared fixtures: fake AWS credentials always, a real Postgres (embedded by default)
with a fresh database per run, the app, and helpers that build tenants through the API.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# No test may reach AWS or a model provider: fake credentials, no real keys.
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "AgentPayTest",
    # As deployed: the HTTP API's named stage prefixes raw paths in Lambda events.
    "AGENTPAY_API_BASE_PATH": "/prod",
    # Every conversation the suite starts comes from one client address ("testclient",
    # or 127.0.0.1 for the dev stack); tests/test_limits.py turns this limit on itself.
    "AGENTPAY_RATE_LIMIT_NEW_CONVERSATIONS_PER_IP_PER_MINUTE": "0",
})
# One BLAS thread per parallel worker (pytest-xdist): OpenBLAS otherwise starts a thread per
# core in each worker, and their threads spinning against each other made the MiniLM
# forward-pass tests 15 times slower. Set before numpy loads.
if os.environ.get("PYTEST_XDIST_WORKER"):
    assert "numpy" not in sys.modules, "numpy was imported before tests/conftest.py"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
for _name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AWS_PROFILE", "AWS_LAMBDA_FUNCTION_NAME"):
    os.environ.pop(_name, None)


# Test lanes. `make test` runs everything; `make test-fast` deselects the slow kinds below
# (registered as markers in pyproject.toml; tests/test_lanes.py checks both). Marked here by
# file, fixture or decorator, so a new test of a kind is marked without remembering to;
# `slow` is the one kind named test by test.
SLOW_KINDS = ("devstack", "browser", "fuzz", "bench", "slow")
_DEVSTACK_FIXTURES = {"dev_server", "demo_stack"}  # `agentpay dev` in a subprocess
# In-process tests that wait out real timeouts, SQS redeliveries, server restarts or
# other interpreters (a second or more each, 70 s of the suite together), by file.
SLOW_TESTS = {
    "test_catalog.py": {"test_poison_message_fails_alone_and_ends_in_the_dlq"},
    "test_knowledge_indexing.py": {
        "test_poison_knowledge_messages_fail_alone_and_end_in_the_dlq"},
    "test_limits_and_faults.py": {
        "test_embedder_down_during_indexing_retries_then_dlq_then_recovers"},
    "test_limits.py": {"test_limits_hold_across_lambda_instances"},
    "test_llm_router.py": {
        "test_a_hang_beyond_the_first_delta_timeout_falls_back",
        "test_a_stream_of_pings_without_content_trips_the_first_delta_timeout",
        "test_an_idle_timeout_catches_a_stream_that_stalls_mid_answer",
        "test_generate_gives_up_at_its_own_timeout_and_the_loop_stays_usable"},
    "test_llm_providers.py": {
        "test_a_request_held_across_a_reset_leaves_the_next_tests_script_alone",
        "test_anthropic_request_that_hangs_times_out",
        "test_openai_request_that_hangs_times_out",
        "test_anthropic_sdk_retries_are_bounded_by_max_retries"},
    "test_turn_transactions.py": {
        "test_a_model_that_never_answers_gets_the_offline_reply_within_the_deadline",
        "test_a_provider_that_stalls_is_given_up_at_the_deadline"},
    "test_embeddings.py": {"test_openai_retries_after_a_timeout",
                           "test_openai_in_a_turn_ends_within_the_turns_deadline"},
    "test_payments_polar.py": {"test_a_hanging_polar_is_provider_timeout"},
    "test_payments_stripe.py": {"test_a_hanging_stripe_is_provider_timeout"},
    "test_sqs_workers.py": {"test_two_consumer_processes_drain_a_queue_of_several_batches"},
    "test_handlers.py": {"test_concurrent_fanout_keeps_each_tabs_order_and_isolates_failures"},
    "test_embedded_postgres.py": {
        "test_a_server_that_cannot_get_the_memory_starts_again_as_before",
        "test_the_server_restarts_with_the_shared_buffers_it_was_given"},
    # both share one cfn-lint run in a subprocess (4-5 s); `make lint` runs it as well
    "test_template.py": {"test_cfn_lint_reports_no_errors", "test_cfn_lint_reports_no_warnings"},
    # pytest in a subprocess: collecting, and running two parallel workers
    "test_lanes.py": {
        "test_test_fast_deselects_the_slow_kinds_and_keeps_the_rest",
        "test_parallel_workers_run_on_copies_of_one_template_and_leave_no_database_behind"},
    "test_shopper_tasks.py": {
        "test_the_task_file_is_large_and_every_target_is_in_stock_in_the_demo_store"},
}


def file_kinds(name: str) -> set[str]:
    """The slow kinds every test of the file `name` belongs to."""
    kinds = set()
    if name.endswith("_e2e.py"):
        kinds.add("browser")
    if name.endswith("_fuzz.py") or name.startswith("test_adversarial"):
        kinds.add("fuzz")
    if "bench" in name or name == "test_hostile_input.py":  # the latter times regexes
        kinds.add("bench")
    return kinds


def lane_kinds(item: pytest.Item) -> set[str]:
    """The slow kinds a collected test belongs to (none: it runs in `make test-fast`)."""
    name = item.path.name
    kinds = file_kinds(name)
    if _DEVSTACK_FIXTURES & set(getattr(item, "fixturenames", ())):
        kinds.add("devstack")
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        kinds.add("fuzz")
    if getattr(item, "originalname", item.name) in SLOW_TESTS.get(name, ()):
        kinds.add("slow")
    return kinds


def deselects_whole_file(expression: str, kinds: set[str]) -> bool:
    """Whether `-m expression` deselects every test of a file of these kinds, whatever
    other markers its tests carry (each combination of the expression's other names)."""
    from _pytest.mark.expression import Expression

    others = sorted(set(re.findall(r"[A-Za-z_]\w*", expression))
                    - kinds - {"and", "or", "not", "True", "False"})
    if not kinds or len(others) > 10:
        return False
    compiled = Expression.compile(expression)
    for count in range(len(others) + 1):
        for chosen in itertools.combinations(others, count):
            if compiled.evaluate(_marked_with(kinds | set(chosen))):
                return False
    return True


def _marked_with(markers: set[str]):
    return lambda name, **_: name in markers


def pytest_ignore_collect(collection_path, config):
    """Leave a file unimported when `-m` deselects all of it: the fast lane skips the
    fuzzing, browser and bench files' imports (Schemathesis alone is seconds)."""
    expression = config.option.markexpr
    if expression and collection_path.suffix == ".py" and deselects_whole_file(
            expression, file_kinds(collection_path.name)):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for kind in lane_kinds(item):
            item.add_marker(kind)


def maintenance_uri() -> str:
    """The configured server's maintenance database, or the embedded server's (started
    or joined)."""
    from agentpay_dev.db.embedded import embedded_server_uri, with_database

    base = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if base:
        return with_database(base, "postgres")
    return embedded_server_uri(Path(os.environ.get("AGENTPAY_DATA_DIR", ROOT / ".agentpay")))


# Parallel runs (`pytest -n N`, pytest-xdist): the controller migrates one template
# database before the workers start and drops it after they end; each worker copies it
# (tests/database_copies.py). The controller also holds the embedded server for the run.
_TEMPLATE = pytest.StashKey[dict]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Hand each worker the template to copy (migrated once, when the first starts)."""
    from database_copies import create_template

    if _TEMPLATE not in node.config.stash:
        maintenance = maintenance_uri()
        name = f"agentpay_test_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        create_template(maintenance, name)
        node.config.stash[_TEMPLATE] = {"maintenance": maintenance, "name": name}
    node.workerinput["agentpay_template"] = node.config.stash[_TEMPLATE]


def pytest_unconfigure(config):
    template = config.stash.get(_TEMPLATE, None)
    if template:
        from agentpay_dev.db.embedded import drop_database

        drop_database(template["maintenance"], template["name"])


@pytest.fixture(scope="session")
def database_url(request):
    """A fresh database on the configured server, or on the embedded one: in a parallel
    run a copy of the controller's migrated template, otherwise an empty one."""
    from agentpay_dev.db.embedded import drop_database, ensure_database
    from database_copies import copy_database

    template = getattr(request.config, "workerinput", {}).get("agentpay_template")
    maintenance = maintenance_uri()
    name = f"agentpay_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if template:
        url = copy_database(maintenance, template["name"], name)
    else:
        url = ensure_database(maintenance, name)
    os.environ["DATABASE_URL"] = url
    yield url
    drop_database(maintenance, name)


@pytest.fixture(scope="session")
def drop_at_end(database_url):
    """Register a cleanup to run when the session's tests are done (newest first).

    For the databases tests make for themselves (fresh, upgraded, RDS-like): each DROP
    DATABASE forces a checkpoint, which writes every dirty page of the server to disk and
    waits for it, a second or more mid-run; dropped together at the end, the first pays.
    """
    cleanups: list = []
    yield cleanups.append
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture(scope="session")
def db(database_url):
    from agentpay.config import reset_settings
    from agentpay.db import Database, set_database
    from agentpay.db.migrate import migrate

    reset_settings()
    database = Database(database_url, max_size=4)
    with database.connection() as conn:
        migrate(conn)
    set_database(database)
    yield database
    set_database(None)


@pytest.fixture
def settings(db, monkeypatch):
    """The live settings object; tests may monkeypatch its fields."""
    from agentpay.config import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def app(db):
    from agentpay.api.app import create_app

    return create_app()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Tenant:
    organization_id: str
    api_key: str

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"}


@pytest.fixture
def make_tenant(db):
    from agentpay.organizations.service import create_organization

    def make(name: str = "Test Store") -> Tenant:
        with db.transaction() as conn:
            org, key = create_organization(conn, name)
        return Tenant(str(org["id"]), key.secret)

    return make


@pytest.fixture
def tenant(make_tenant) -> Tenant:
    return make_tenant("Store A")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_agent(client):
    def make(tenant: Tenant, **fields) -> dict:
        body = {"name": "Sales assistant", "personality": {"tone": "friendly"}, **fields}
        response = client.post("/v1/agent/agents", json=body, headers=tenant.auth)
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def make_store(client, make_tenant, make_agent):
    """A store with its catalog indexed before the PUT returns, and an agent of it."""
    def make(store_name: str, products: list[dict], **agent_fields) -> tuple[Tenant, dict]:
        from agentpay.catalog.queue import InlineIndexQueue, set_index_queue

        tenant = make_tenant(store_name)
        set_index_queue(InlineIndexQueue())
        try:
            response = client.put("/v1/agent/products", json={"products": products},
                                  headers=tenant.auth)
            assert response.status_code == 200, response.text
        finally:
            set_index_queue(None)
        return tenant, make_agent(tenant, **agent_fields)

    return make


@pytest.fixture
def make_conversation(client):
    def make(agent: dict, **fields) -> dict:
        response = client.post("/v1/agent/conversations", json=fields,
                               headers=bearer(agent["publishable_key"]))
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def shop_chat(client, make_store, make_conversation):
    """A shopper's conversation with a new store of `products`: ``say(text)`` sends one
    message (with ``**body`` fields, e.g. client_message_id) and returns the response's
    JSON, after checking it was answered (201)."""
    def make(store_name: str, products: list[dict], **agent_fields):
        _, agent = make_store(store_name, products, **agent_fields)
        conv = make_conversation(agent)
        path = f"/v1/agent/conversations/{conv['conversation']['id']}/messages"

        def say(text: str, status: int = 201, **body) -> dict:
            response = client.post(path, json={"content": text, **body},
                                   headers=bearer(conv["token"]))
            assert response.status_code == status, response.text
            return response.json()

        return say

    return make


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def load_handler(function_dir: str):
    """Import functions/<dir>/app.py under a unique name (every handler file is app.py)."""
    name = f"handler_{function_dir}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / function_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@dataclass
class QueueFixture:
    queues: object
    client: object
    poller: object

    def outstanding(self) -> int:
        return self.poller.outstanding()


@pytest.fixture(scope="session")
def _sqs_server():
    from agentpay_dev.localstack.sqs import start_local_sqs

    queues = start_local_sqs(visibility_timeout=1, prefix="agentpay-test")
    yield queues
    queues.stop()


@pytest.fixture
def local_queue(_sqs_server, db, lambda_context):
    """A fresh index queue + DLQ on the loopback moto server, wired as the app's queue."""
    from agentpay.catalog.queue import SqsIndexQueue, set_index_queue
    from agentpay_dev.localstack.sqs import SqsPoller, create_queues

    queues = create_queues(_sqs_server.endpoint_url, 1, f"t{uuid.uuid4().hex[:10]}")
    client = queues.client()
    set_index_queue(SqsIndexQueue(client, queues.queue_url))
    poller = SqsPoller(queues, load_handler("index_products").handler, lambda_context)
    yield QueueFixture(queues, client, poller)
    set_index_queue(None)


@pytest.fixture
def drain(local_queue):
    def run(timeout: float = 30.0) -> None:
        local_queue.poller.drain(timeout=timeout)

    return run
