"""Which models the installed SDKs know, and which of them are deprecated or retired.

Why: a default that silently ages turns every turn into a failed call plus the
fallback's latency (``claude-sonnet-4-5`` reached its end of life on 30 Nov 2026 while it
was still this project's default). Each SDK ships its own lists, regenerated with every
release, so they are the freshest facts a deployment has without calling anyone:

- ``anthropic``: the ``Model`` literal (``anthropic/types/model.py``) and
  ``DEPRECATED_MODELS`` (``anthropic/_data/deprecated_models.py``: model -> end-of-life
  date, e.g. "January 22nd, 2027"), the table the SDK itself warns from;
- ``openai``: the ``ChatModel`` literal (``openai/types/shared/chat_model.py``) and the
  "Deprecated values" notes beside it (model -> announced shutdown date, or "Not a
  supported model ID").

Why the files are parsed (``ast``) rather than imported: importing either SDK costs a
second or more of cold start, and building the router must not (see
``test_importing_the_package_and_building_a_router_imports_no_sdk``); parsing the three
files takes a few milliseconds, once per process.

A model is ``current`` (listed, no deprecation), ``deprecated`` (still answers until its
date), ``retired`` (its date has passed, or the SDK calls it unsupported: calls fail) or
``unknown`` (not in the SDK's list: a typo, or a model this SDK has never heard of). A
dated snapshot ("claude-haiku-4-5-20251001", "gpt-6-luna-2026-09-30") takes the status of
the model it snapshots when only the base name is listed. ``unchecked`` means the SDK is
not installed or its lists could not be read: nothing is said about the model.

:func:`choose_model` is the start-up check the factory runs whenever it builds the
router (the first generation of a process, and after a key or setting changes): a
deprecated model is kept (it still answers) with a warning and the ``LLMModelDeprecated``
metric; a retired or unknown one is replaced by a current model of the provider's line,
with an error line and the ``LLMModelReplaced`` metric, so a turn never waits on a call
that cannot succeed. An unknown name behind a custom base URL (a gateway may name models
its own way) is kept, with the warning and the ``LLMModelDeprecated`` metric, and so is
the default itself when an SDK older than this code does not list it yet.
"""

from __future__ import annotations

import ast
import importlib.util
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

CURRENT, DEPRECATED, RETIRED, UNKNOWN, UNCHECKED = (
    "current", "deprecated", "retired", "unknown", "unchecked")

# provider -> (package, file with the model literal, alias name, file with deprecations)
_SOURCES = {
    "anthropic": ("anthropic", "types/model.py", "Model", "_data/deprecated_models.py"),
    "openai": ("openai", "types/shared/chat_model.py", "ChatModel", None),
}
_SNAPSHOT = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")
_ORDINAL_DATE = re.compile(r"([A-Za-z]+)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class ModelList:
    """One SDK's models, in the SDK's order (newest first in both SDKs), and the dates
    after which deprecated ones stop answering (None: unsupported now)."""

    provider: str
    models: tuple[str, ...] = ()
    retires: dict[str, date | None] = field(default_factory=dict)
    version: str = ""  # the SDK's version, for log lines

    @property
    def readable(self) -> bool:
        return bool(self.models)


@dataclass(frozen=True)
class ModelStatus:
    provider: str
    model: str
    status: str
    retires_on: date | None = None

    @property
    def callable(self) -> bool:
        """Whether a call with this model can be expected to work."""
        return self.status in (CURRENT, DEPRECATED, UNCHECKED)


_cache: dict[str, ModelList] = {}
_lock = threading.Lock()


def sdk_models(provider: str) -> ModelList:
    """The installed SDK's model list and deprecations (read once per process)."""
    with _lock:
        if provider not in _cache:
            _cache[provider] = _read(provider)
        return _cache[provider]


def status_of(provider: str, model: str, today: date | None = None) -> ModelStatus:
    """What the installed SDK says about ``model`` on ``today`` (UTC, by default)."""
    today = today or datetime.now(UTC).date()
    listed = sdk_models(provider)
    if not listed.readable:
        return ModelStatus(provider, model, UNCHECKED)
    name = model
    if name not in listed.models and name not in listed.retires:
        base = _SNAPSHOT.sub("", name)
        if base != name and (base in listed.models or base in listed.retires):
            name = base
        else:
            return ModelStatus(provider, model, UNKNOWN)
    if name not in listed.retires:
        return ModelStatus(provider, model, CURRENT)
    retires_on = listed.retires[name]
    if retires_on is None or retires_on <= today:
        return ModelStatus(provider, model, RETIRED, retires_on)
    return ModelStatus(provider, model, DEPRECATED, retires_on)


def current_models(provider: str, today: date | None = None) -> list[str]:
    """The SDK's listed models that are neither deprecated nor retired, in its order."""
    return [m for m in sdk_models(provider).models
            if status_of(provider, m, today).status == CURRENT]


def replacement_for(provider: str, default: str, line: str,
                    today: date | None = None) -> str:
    """The model to use instead of one that cannot answer: the provider's default while it
    is current, else the SDK's newest current model of the same line ("sonnet", "luna"),
    undated; the default itself when the SDK offers nothing better."""
    if status_of(provider, default, today).status in (CURRENT, UNCHECKED):
        return default
    for model in current_models(provider, today):
        if f"-{line}" in model and not _SNAPSHOT.search(model):
            return model
    return default


def choose_model(provider: str, configured: str | None, default: str, line: str, *,
                 setting: str, custom_endpoint: bool = False,
                 today: date | None = None) -> str:
    """The model to call: the configured one (or the default) unless the SDK says it can
    no longer answer; every model that is not current is logged and counted."""
    model = configured or default
    found = status_of(provider, model, today)
    if found.status in (CURRENT, UNCHECKED):
        return model
    sdk = f"the installed {provider} SDK {sdk_models(provider).version}".rstrip()
    source = f"{setting}={model}" if configured else f"the default {model}"
    unlisted_default = found.status == UNKNOWN and model == default
    if found.status == DEPRECATED or (found.status == UNKNOWN and custom_endpoint) \
            or unlisted_default:
        better = replacement_for(provider, default, line, today)
        if found.status == DEPRECATED:
            what = f"is deprecated: {sdk} says it stops answering on {found.retires_on}"
        elif unlisted_default:
            # an SDK older than this code knows nothing newer: no evidence of retirement
            what, better = (f"is not listed by {sdk}, which is older than this code; "
                            "kept"), f"an upgrade of the {provider} SDK"
        else:
            what = (f"is not a model {sdk} lists; kept because a custom base URL is set "
                    "(a gateway may name models its own way)")
        logger.warning("llm model check: %s %s; move to a current model such as %s",
                       source, what, better,
                       extra={"llm_provider": provider, "llm_model": model,
                              "llm_model_status": found.status})
        _count("LLMModelDeprecated")
        return model
    replacement = replacement_for(provider, default, line, today)
    why = (f"reached its end of life on {found.retires_on}" if found.retires_on
           else "is retired or unsupported") if found.status == RETIRED \
        else "is not a model it lists (retired, or misspelt)"
    logger.error("llm model check: %s cannot answer: %s %s; calling %s instead. Set %s to "
                 "a current model.", source, sdk, why, replacement, setting,
                 extra={"llm_provider": provider, "llm_model": model,
                        "llm_model_status": found.status, "llm_model_used": replacement})
    _count("LLMModelReplaced")
    return replacement


def _count(name: str) -> None:
    """One Powertools metric (flushed with the invocation's other metrics)."""
    try:
        from aws_lambda_powertools.metrics import MetricUnit

        from agentpay.observability import metrics

        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    except Exception:
        logger.debug("could not count %s", name, exc_info=True)


def reset_models() -> None:
    """Forget the lists read (tests point the reader at other files)."""
    with _lock:
        _cache.clear()


# --------------------------------------------------------------------------- reading


def _package_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)  # a top-level name: nothing is imported
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _read(provider: str) -> ModelList:
    package, models_file, alias, deprecations_file = _SOURCES[provider]
    root = _package_dir(package)
    if root is None:
        return ModelList(provider)
    version = _version(root)
    try:
        tree = ast.parse((root / models_file).read_text(encoding="utf-8"))
        models = _literal_values(tree, alias)
        if deprecations_file is not None:
            retires = _anthropic_deprecations(
                ast.parse((root / deprecations_file).read_text(encoding="utf-8")))
        else:
            retires = _openai_deprecations(_note_after(tree, alias))
    except (OSError, SyntaxError, ValueError):
        logger.warning("could not read the %s SDK's model lists under %s; configured models "
                       "are not checked", provider, root, exc_info=True)
        return ModelList(provider)
    if not models:
        logger.warning("the %s SDK under %s lists no models where expected (%s); configured "
                       "models are not checked", provider, root, models_file)
    return ModelList(provider, tuple(models), retires, version)


def _version(root: Path) -> str:
    try:
        text = (root / "_version.py").read_text(encoding="utf-8")
    except OSError:
        return ""
    match = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    return match.group(1) if match else ""


def _alias_value(tree: ast.Module, alias: str) -> tuple[int, ast.expr] | None:
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                and node.target.id == alias and node.value is not None:
            return index, node.value
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == alias for t in node.targets):
            return index, node.value
    return None


def _literal_values(tree: ast.Module, alias: str) -> list[str]:
    """The strings inside every ``Literal[...]`` of the alias's value, in order."""
    found = _alias_value(tree, alias)
    if found is None:
        return []
    values: list[str] = []
    for node in ast.walk(found[1]):
        if isinstance(node, ast.Subscript) and _name_of(node.value) == "Literal":
            for item in ast.walk(node.slice):
                if isinstance(item, ast.Constant) and isinstance(item.value, str) \
                        and item.value not in values:
                    values.append(item.value)
    return values


def _name_of(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _note_after(tree: ast.Module, alias: str) -> str:
    """The string statement right after the alias (where generated SDKs document it)."""
    found = _alias_value(tree, alias)
    if found is None or found[0] + 1 >= len(tree.body):
        return ""
    node = tree.body[found[0] + 1]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
            and isinstance(node.value.value, str):
        return node.value.value
    return ""


def _anthropic_deprecations(tree: ast.Module) -> dict[str, date | None]:
    found = _alias_value(tree, "DEPRECATED_MODELS")
    if found is None:
        raise ValueError("DEPRECATED_MODELS not found")
    table = ast.literal_eval(found[1])
    return {str(model): _parse_day(str(when)) for model, when in table.items()}


def _openai_deprecations(note: str) -> dict[str, date | None]:
    """``- "a", "b": Announced shutdown date: 2027-01-14. ...`` bullets, and
    ``- "x": Not a supported model ID. ...`` (no date: unsupported now)."""
    retires: dict[str, date | None] = {}
    if "Deprecated values" not in note:
        return retires
    for bullet in re.split(r"\n\s*-\s+", note.split("Deprecated values", 1)[1]):
        text = " ".join(bullet.split())
        names, _, rest = text.partition(":")
        models = re.findall(r'"([^"]+)"', names)
        if not models:
            continue
        when = _ISO_DATE.search(rest) if "shutdown" in rest.lower() else None
        day = date.fromisoformat(when.group(1)) if when else None
        if day is None and "not a supported model" not in rest.lower():
            continue  # a note this reader does not understand says nothing
        for model in models:
            retires[model] = day
    return retires


def _parse_day(text: str) -> date | None:
    iso = _ISO_DATE.search(text)
    if iso:
        return date.fromisoformat(iso.group(1))
    match = _ORDINAL_DATE.search(text)
    if match is None:
        raise ValueError(f"unreadable end-of-life date {text!r}")
    month, day, year = match.groups()
    return datetime.strptime(f"{month} {day} {year}", "%B %d %Y").date()
