"""The store's knowledge base: help articles, their passages, and answers from them."""
