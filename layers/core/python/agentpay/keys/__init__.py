"""Credentials: the organization's secret keys (issue, rotate, revoke) and the lookups
that turn any bearer credential into who is calling."""
