"""Tactful's core: settings, drafting services and the command line."""
