"""Understand, the first of the six layers: which of the contract's intents a shopper
message expresses (rules, then exemplars, then an optional LLM) and its entities.

    >>> from agentpay.understanding import classify
    >>> classify("running shoes under $150").intent
    'product_search'
"""

from importlib import import_module

# Exported lazily (PEP 562): a module that needs one table (`understanding.lexicon`) does not
# load the classifier, its rules and exemplars with it; the first message does (issue 22).
_EXPORTS = {
    "Classifier": "agentpay.understanding.classifier",
    "Understanding": "agentpay.understanding.classifier",
    "classify": "agentpay.understanding.classifier",
    "configure": "agentpay.understanding.classifier",
    "get_classifier": "agentpay.understanding.classifier",
    "extract_entities": "agentpay.understanding.entities",
    "INTENTS": "agentpay.understanding.intents",
    "UNKNOWN": "agentpay.understanding.intents",
    "Intent": "agentpay.understanding.intents",
}


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


__all__ = [
    "INTENTS", "UNKNOWN", "Classifier", "Intent", "Understanding", "classify", "configure",
    "extract_entities", "get_classifier",
]
