"""The six-layer message path: understand, enrich, decide, invoke tools, generate, remember."""
