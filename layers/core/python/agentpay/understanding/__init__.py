"""Understand, the first of the six layers: which of the contract's intents a shopper
message expresses (rules, then exemplars, then an optional LLM) and its entities.

    >>> from agentpay.understanding import classify
    >>> classify("running shoes under $150").intent
    'product_search'
"""

from agentpay.understanding.classifier import (
    Classifier,
    Understanding,
    classify,
    configure,
    get_classifier,
)
from agentpay.understanding.entities import extract_entities
from agentpay.understanding.intents import INTENTS, UNKNOWN, Intent

__all__ = [
    "INTENTS", "UNKNOWN", "Classifier", "Intent", "Understanding", "classify", "configure",
    "extract_entities", "get_classifier",
]
