"""The guards every draft passes: tone (lexicon plus a semantic second opinion), commitments (every promised
amount or deadline backed by policy), grounding (a model draft says only what the sources say), injection
signs in customer text, and a ticket's risks. Lexicons live in lexicon/ as data.

May import: drafting.domain, drafting.text, knowledge."""
