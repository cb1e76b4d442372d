"""Conversations, their messages and their stage machine."""
