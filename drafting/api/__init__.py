"""The HTTP API ticket systems call: the FastAPI app factory (app.py), the uvicorn entry point (main.py),
request-size and log guards, and the OpenAPI document.

A front door: may import drafting.services, drafting.settings and everything below them, never another
front door (drafting.cli, drafting.webapp)."""
