"""Load the real Lambda handler modules from `functions/<name>/app.py`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[3]


def load_function(name: str) -> ModuleType:
    module_name = f"agentpay_function_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    path = REPO_ROOT / "functions" / name / "app.py"
    if not path.exists():
        raise FileNotFoundError(f"no handler at {path}; run from a checkout of the project")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class LocalContext:
    """What the handlers read from a Lambda context object."""

    def __init__(self, function_name: str, timeout_ms: int = 60_000) -> None:
        self.function_name = function_name
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.aws_request_id = "local"
        self._timeout_ms = timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms
