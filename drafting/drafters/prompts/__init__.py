"""Prompts for the LLM chain (YAML, versioned; zh and en)."""
