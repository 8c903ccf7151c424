"""`uvicorn drafting.api_main:app`: the API built from the environment's settings (what `tactful serve` runs)."""

from drafting import services
from drafting.webhooks import delivery_problem

_settings = services.default_settings()
# Nothing leaves unsigned: a server that would queue approvals it can never deliver refuses to start, naming
# the setting to fix (`tactful serve` checks the same before it starts uvicorn, for a cleaner message).
_problem = delivery_problem(_settings)
if _problem:
    raise SystemExit(f"error: {_problem}")

app = services.api_app(_settings)
