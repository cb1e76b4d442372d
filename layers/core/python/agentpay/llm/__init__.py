"""Text generation behind one interface: Claude first, OpenAI as fallback, streamed.

``get_generator()`` gives the configured router (or None without keys); ``generate()``
runs it from synchronous code. Importing this package imports no provider SDK: they load
on the first generation (cold starts stay small).
"""

from agentpay.llm.base import (
    ChatMessage,
    Final,
    GenerationRequest,
    GenerationResult,
    LLMError,
    LLMProvider,
    LLMUnavailable,
    Restart,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolResultContent,
    ToolSpec,
    Usage,
)
from agentpay.llm.factory import get_generator, reset_generator
from agentpay.llm.prompts import build_system_prompt, render_data
from agentpay.llm.router import LLMRouter
from agentpay.llm.runner import generate, iter_stream

__all__ = [
    "ChatMessage",
    "Final",
    "GenerationRequest",
    "GenerationResult",
    "LLMError",
    "LLMProvider",
    "LLMRouter",
    "LLMUnavailable",
    "Restart",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolResultContent",
    "ToolSpec",
    "Usage",
    "build_system_prompt",
    "generate",
    "get_generator",
    "iter_stream",
    "render_data",
    "reset_generator",
]
