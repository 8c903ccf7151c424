"""`uvicorn drafting.api_main:app`: the API built from the environment's settings (what `tactful serve` runs)."""

from drafting import services

app = services.api_app(services.default_settings())
