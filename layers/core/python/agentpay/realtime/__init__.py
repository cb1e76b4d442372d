"""WebSocket connections of conversations and delivery to them."""
