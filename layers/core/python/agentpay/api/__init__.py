"""The FastAPI application served by Lambda (Mangum) and by the local stack (uvicorn)."""
