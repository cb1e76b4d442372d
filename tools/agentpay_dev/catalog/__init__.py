"""Catalog tools: `catalog load`, `search`, the demo catalog, relevance and search benches."""
