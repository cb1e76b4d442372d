"""`bench realtime`: WebSocket round trips and fan-out against a dev stack."""
