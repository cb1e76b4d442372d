"""Tools the engine (and a model) may call: registry plus the store's actions."""
