"""The embedded PostgreSQL the local stack and the `agentpay` command use."""
