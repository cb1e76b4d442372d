"""`agentpay bench load`: concurrent shoppers over HTTP and WebSocket against the local
stack, and a bare FastAPI app under the same uvicorn settings as the baseline."""
