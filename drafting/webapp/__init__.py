"""The Streamlit app's pages and helpers (app.py at the project root is its entry point): UI text in both
languages (ui_text.yaml), forms, and exports of approved replies.

A front door: may import drafting.services, drafting.settings and everything below them, never another
front door (drafting.api, drafting.cli)."""
