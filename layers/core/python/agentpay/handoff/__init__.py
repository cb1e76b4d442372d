"""A person takes over a conversation: the store is told (webhook), its operators reply,
the agent stays quiet until the conversation is released."""
