"""What writes drafts: the `Drafter` protocol (base.py), the deterministic composer, the LLM chain with its
chat-model factory, and batch drafting. Wording lives in templates/ and prompts/ as data.

May import: drafting.guards, drafting.domain, drafting.text, knowledge."""
