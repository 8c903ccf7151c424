"""`tactful` — the command line. A front door: it parses, calls services, prints.

One module per command group (knowledge, guards, drafts, admin); importing them registers their commands
on the root command in common.py."""

from __future__ import annotations

import importlib

from drafting.cli.common import app

# Importing a group registers its commands; this order is the order `tactful --help` lists them in.
for _group in ("knowledge", "guards", "drafts", "admin"):
    importlib.import_module(f"drafting.cli.{_group}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
