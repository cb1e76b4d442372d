"""The tool registry: schema-checked arguments, timing, and failures as results."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from agentpay.tools.default import MODEL_TOOLS, default_registry, enabled_tools
from agentpay.tools.registry import Tool, ToolFailure, ToolRegistry


@pytest.fixture
def ctx():
    return SimpleNamespace(state={}, now=datetime.now(UTC))


def _registry() -> ToolRegistry:
    registry = ToolRegistry()

    def double(ctx, args):
        return {"value": args["n"] * 2}

    def refuse(ctx, args):
        raise ToolFailure("out_of_stock", "none left", {"sizes": ["9"]})

    def crash(ctx, args):
        raise ZeroDivisionError("boom")

    schema = {"type": "object", "additionalProperties": False, "required": ["n"],
              "properties": {"n": {"type": "integer", "minimum": 0}}}
    registry.register(Tool("double", "doubles", schema, double))
    registry.register(Tool("refuse", "refuses", {"type": "object"}, refuse))
    registry.register(Tool("crash", "crashes", {"type": "object"}, crash))
    return registry


def test_valid_call_returns_data_and_timing(ctx):
    result = _registry().invoke(ctx, "double", {"n": 21})
    assert result.ok and result.data == {"value": 42} and result.ms >= 0


@pytest.mark.parametrize("args", [{}, {"n": -1}, {"n": "3"}, {"n": 1, "extra": True}, [1], None])
def test_bad_arguments_are_a_result_not_an_exception(ctx, args):
    result = _registry().invoke(ctx, "double", args)
    assert not result.ok and result.error["code"] == "invalid_arguments"


def test_refusals_and_crashes_become_error_results(ctx):
    registry = _registry()
    refused = registry.invoke(ctx, "refuse", {})
    assert refused.error == {"code": "out_of_stock", "message": "none left",
                             "details": {"sizes": ["9"]}}
    crashed = registry.invoke(ctx, "crash", {})
    assert not crashed.ok and crashed.error["code"] == "tool_error"
    assert "boom" not in crashed.error["message"]  # internals stay in the logs


def test_unknown_and_disallowed_tools_are_refused(ctx):
    registry = _registry()
    assert registry.invoke(ctx, "nope", {}).error["code"] == "unknown_tool"
    assert registry.invoke(ctx, "double", {"n": 1},
                           allowed=["refuse"]).error["code"] == "unknown_tool"


def test_a_schema_that_is_not_json_schema_is_refused_at_registration():
    from jsonschema.exceptions import SchemaError

    with pytest.raises(SchemaError):
        ToolRegistry().register(Tool("bad", "bad", {"type": "nonsense"}, lambda c, a: {}))


def test_default_registry_specs_and_the_models_read_only_subset():
    registry = default_registry()
    names = set(registry.names())
    assert {"search_products", "product_details", "compare_products", "cart_add",
            "cart_remove", "cart_view", "offer_discount", "create_checkout_link",
            "handoff_to_human"} <= names
    for spec in registry.specs():
        assert spec["input_schema"]["type"] == "object"
        assert spec["input_schema"].get("additionalProperties") is False
    assert all(registry.tools[n].read_only for n in MODEL_TOOLS)
    # offer_discount takes a trigger, never an amount
    assert set(registry.tools["offer_discount"].input_schema["properties"]) == {"trigger"}
    assert enabled_tools({"tools": ["search_products", "cart_add", "made_up"]}) == [
        "search_products", "cart_add"]
    assert enabled_tools({"tools": []}) == registry.names()
