"""Operator tokens: the dashboard's short-lived sign-in, exchanged for a secret key."""
