"""The `tactful` command line.

A front door: may import drafting.services, drafting.settings and everything below them, never another
front door (drafting.api, drafting.webapp)."""
