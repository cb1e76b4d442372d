"""Sales agents: personality, tools, rules and config per store."""
