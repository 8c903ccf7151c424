"""Tactful: drafts crisis replies and checks every draft before a person approves it.

The composition root lives here (settings.py, services.py); everything else sits in a subpackage named for
its job, and imports only downwards:

    front doors   api/  cli/  webapp/ (with app.py)     -> services.py, settings.py
    workflow/     the database: drafts, approvals, jobs  -> drafters, guards, domain, text
    radar/        group-chat analysis                    -> guards, domain, text
    drafters/     composer, LLM chain, batches           -> guards, domain, text
    guards/       tone, commitments, grounding, injection -> domain, text
    domain/       models, timeline, files                -> text
    text/         folding, numbers, phrasebook, data files -> (nothing)

and every layer may read knowledge/ (policies, the retrieval store, the CJK ranges in knowledge/cjk.py) and
settings.py (plain configuration). tests/test_layers.py enforces it."""
