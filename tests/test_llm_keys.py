"""Model API keys from the environment and from Secrets Manager (moto), and the factory
that turns them into a router. No key text may ever reach the logs."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from agentpay.llm import keys as keys_module
from agentpay.llm import reset_generator
from agentpay.llm.factory import get_generator
from agentpay.llm.keys import FAILURE_TTL_SECONDS, TTL_SECONDS, llm_keys, reset_keys

SECRET_ANTHROPIC = "sk-ant-from-secret-7f3a9c"
SECRET_OPENAI = "sk-from-secret-51be02"
ENV_ANTHROPIC = "sk-ant-from-env-0d4e11"
ENV_OPENAI = "sk-from-env-93ac7d"
ALL_KEYS = (SECRET_ANTHROPIC, SECRET_OPENAI, ENV_ANTHROPIC, ENV_OPENAI)


class Clock:
    """Stands in for time.monotonic inside the keys module."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(monkeypatch):
    """A clean slate: no keys, no secret, no cached reads, a controllable clock."""
    for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "AGENTPAY_LLM_SECRET_ARN",
                 "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "AGENTPAY_ANTHROPIC_MODEL",
                 "AGENTPAY_OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    clock = Clock()
    monkeypatch.setattr(keys_module, "_clock", clock)
    reset_keys()
    reset_generator()
    monkeypatch.clock = clock
    yield monkeypatch
    reset_keys()
    reset_generator()


@pytest.fixture
def aws():
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="us-east-1")


def settings_for(arn: str | None) -> SimpleNamespace:
    return SimpleNamespace(llm_secret_arn=arn)


def create_secret(client, value: dict | str, name: str = "agentpay/llm") -> str:
    secret = value if isinstance(value, str) else json.dumps(value)
    return client.create_secret(Name=name, SecretString=secret)["ARN"]


def capture_our_logs(caplog) -> None:
    """Everything from agentpay, WARNING and up from libraries (as deployed: botocore's
    own DEBUG output prints whole responses, secrets included, so it stays off)."""
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.DEBUG, logger="agentpay")


def assert_no_key_in(caplog) -> None:
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for key in ALL_KEYS:
        assert key not in text


# --------------------------------------------------------------------------- environment


def test_keys_come_from_the_environment(env):
    # GIVEN both keys in the environment, one with stray whitespace
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
    env.setenv("OPENAI_API_KEY", f"  {ENV_OPENAI}\n")

    # WHEN read (no secret configured)
    keys = llm_keys(settings_for(None))

    # THEN both, trimmed
    assert keys == {"anthropic": ENV_ANTHROPIC, "openai": ENV_OPENAI}


def test_empty_environment_values_count_as_absent(env):
    env.setenv("ANTHROPIC_API_KEY", "")
    env.setenv("OPENAI_API_KEY", "   ")
    assert llm_keys(settings_for(None)) == {}


# --------------------------------------------------------------------------- Secrets Manager


def test_keys_come_from_the_secret_and_empty_values_fall_back_to_the_environment(env, aws):
    # GIVEN a secret with the Anthropic key and an empty OpenAI key, and an OpenAI key in
    # the environment
    arn = create_secret(aws, {"ANTHROPIC_API_KEY": SECRET_ANTHROPIC, "OPENAI_API_KEY": ""})
    env.setenv("OPENAI_API_KEY", ENV_OPENAI)

    # WHEN read
    keys = llm_keys(settings_for(arn))

    # THEN Anthropic's from the secret, OpenAI's from the environment
    assert keys == {"anthropic": SECRET_ANTHROPIC, "openai": ENV_OPENAI}


def test_the_secret_wins_over_the_environment(env, aws):
    # GIVEN the same key in both places, with different values
    arn = create_secret(aws, {"ANTHROPIC_API_KEY": SECRET_ANTHROPIC,
                              "OPENAI_API_KEY": SECRET_OPENAI})
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)

    # WHEN read, THEN the secret's (that is what gets rotated)
    assert llm_keys(settings_for(arn)) == {"anthropic": SECRET_ANTHROPIC,
                                           "openai": SECRET_OPENAI}


def test_the_secret_arn_comes_from_settings_by_default(env, aws):
    # GIVEN AGENTPAY_LLM_SECRET_ARN in the environment, read through agentpay.config
    from agentpay.config import reset_settings

    arn = create_secret(aws, {"ANTHROPIC_API_KEY": SECRET_ANTHROPIC})
    env.setenv("AGENTPAY_LLM_SECRET_ARN", arn)
    reset_settings()
    try:
        # WHEN read without explicit settings, THEN the secret was used
        assert llm_keys() == {"anthropic": SECRET_ANTHROPIC}
    finally:
        reset_settings()


def test_a_rotated_key_is_picked_up_after_the_cache_ttl(env, aws):
    # GIVEN a secret read once
    arn = create_secret(aws, {"ANTHROPIC_API_KEY": SECRET_ANTHROPIC})
    assert llm_keys(settings_for(arn)) == {"anthropic": SECRET_ANTHROPIC}

    # WHEN the key is rotated
    rotated = "sk-ant-rotated-c0ffee"
    aws.put_secret_value(SecretId=arn, SecretString=json.dumps({"ANTHROPIC_API_KEY": rotated}))

    # THEN the cached key is served until the TTL passes, then the new one
    env.clock.now += TTL_SECONDS - 1
    assert llm_keys(settings_for(arn)) == {"anthropic": SECRET_ANTHROPIC}
    env.clock.now += 2
    assert llm_keys(settings_for(arn)) == {"anthropic": rotated}


def test_a_secret_in_another_region_is_read_from_its_region(env):
    # GIVEN a secret in us-west-2 while the default region is us-east-1
    with mock_aws():
        west = boto3.client("secretsmanager", region_name="us-west-2")
        arn = create_secret(west, {"OPENAI_API_KEY": SECRET_OPENAI})
        assert ":us-west-2:" in arn

        # WHEN read, THEN found (the region comes from the ARN)
        assert llm_keys(settings_for(arn)) == {"openai": SECRET_OPENAI}


def test_a_failing_secret_read_logs_a_warning_without_keys_and_uses_the_environment(
        env, aws, caplog):
    # GIVEN an ARN for a secret that does not exist, and keys in the environment
    capture_our_logs(caplog)
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:agentpay/none-AbCdEf"
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
    env.setenv("OPENAI_API_KEY", ENV_OPENAI)

    # WHEN read
    keys = llm_keys(settings_for(missing))

    # THEN the environment's keys, one warning naming the error code, and no key text
    assert keys == {"anthropic": ENV_ANTHROPIC, "openai": ENV_OPENAI}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING
                and r.name == "agentpay.llm.keys"]
    assert len(warnings) == 1
    assert "ResourceNotFoundException" in warnings[0].getMessage()
    assert_no_key_in(caplog)


def test_a_failure_is_retried_soon_but_not_on_every_call(env, aws, caplog):
    # GIVEN a secret that does not exist yet
    caplog.set_level(logging.WARNING, logger="agentpay.llm.keys")
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:agentpay/later-AbCdEf"
    assert llm_keys(settings_for(arn)) == {}

    # WHEN it is created right away, THEN calls within the failure TTL don't retry
    create_secret(aws, {"ANTHROPIC_API_KEY": SECRET_ANTHROPIC}, name="agentpay/later")
    real_arn = aws.describe_secret(SecretId="agentpay/later")["ARN"]
    assert llm_keys(settings_for(arn)) == {}
    assert len(caplog.records) == 1

    # AND after the failure TTL the next call reads again (here: the real ARN works)
    env.clock.now += FAILURE_TTL_SECONDS + 1
    assert llm_keys(settings_for(real_arn)) == {"anthropic": SECRET_ANTHROPIC}


@pytest.mark.parametrize("secret", [
    f"ANTHROPIC_API_KEY={SECRET_ANTHROPIC}",  # not JSON: its text must not be logged
    json.dumps([SECRET_ANTHROPIC]),  # JSON, but not an object
])
def test_a_malformed_secret_is_ignored_without_logging_its_text(env, aws, caplog, secret):
    # GIVEN a secret whose value is not the expected JSON object
    capture_our_logs(caplog)
    arn = create_secret(aws, secret)
    env.setenv("OPENAI_API_KEY", ENV_OPENAI)

    # WHEN read
    keys = llm_keys(settings_for(arn))

    # THEN the environment's keys, a warning that says what is wrong, and no key text
    assert keys == {"openai": ENV_OPENAI}
    assert "the secret is not" in caplog.text
    assert_no_key_in(caplog)


# --------------------------------------------------------------------------- factory


def test_no_key_means_no_generator(env):
    assert get_generator() is None


def test_the_generator_puts_anthropic_first_and_openai_as_fallback(env):
    # GIVEN both keys, custom models and base URLs
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
    env.setenv("OPENAI_API_KEY", ENV_OPENAI)
    env.setenv("AGENTPAY_ANTHROPIC_MODEL", "claude-haiku-4-5")
    env.setenv("AGENTPAY_OPENAI_MODEL", "gpt-4o")
    env.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/anthropic")
    env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    # WHEN the generator is built
    router = get_generator()

    # THEN Claude first, OpenAI second, as configured, and the keys are not in its repr
    assert [(p.name, p.model, p.base_url) for p in router.providers] == [
        ("anthropic", "claude-haiku-4-5", "http://127.0.0.1:9/anthropic"),
        ("openai", "gpt-4o", "http://127.0.0.1:9/v1"),
    ]
    assert ENV_ANTHROPIC not in repr(router.providers) and ENV_OPENAI not in repr(router)


def test_the_generator_uses_default_models_and_whichever_key_exists(env):
    env.setenv("OPENAI_API_KEY", ENV_OPENAI)
    router = get_generator()
    assert [(p.name, p.model) for p in router.providers] == [("openai", "gpt-6-luna")]

    env.delenv("OPENAI_API_KEY")
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
    router = get_generator()
    assert [(p.name, p.model) for p in router.providers] == [("anthropic", "claude-sonnet-5-5")]


def test_the_generator_is_cached_until_its_configuration_changes(env):
    # GIVEN a generator built from one key
    env.setenv("ANTHROPIC_API_KEY", ENV_ANTHROPIC)
    first = get_generator()

    # WHEN asked again, THEN the same instance (warm clients)
    assert get_generator() is first

    # WHEN the key rotates, THEN a new instance using it
    env.setenv("ANTHROPIC_API_KEY", "sk-ant-rotated-000")
    rotated = get_generator()
    assert rotated is not first and rotated.providers[0]._api_key == "sk-ant-rotated-000"

    # AND reset_generator forgets the instance
    reset_generator()
    assert get_generator() is not rotated
