"""Organizations (tenants) and their secret API keys."""
