"""Signed webhooks to the store (Standard Webhooks): its endpoint, the outbox, delivery."""
