"""Tone-guard data: lexicons, categories, cues, context rules and scoring weights (YAML)."""
