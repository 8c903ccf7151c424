"""Text handling every guard shares: folding, the tone phrasebook compiler, numbers as people write them,
literal anchors of regular expressions, and the one loader of the YAML files Tactful ships (data.py).

May import: knowledge/ only (the CJK ranges live in knowledge/cjk.py, the YAML error messages in
knowledge/documents.py: retrieval needs both too). Pure functions over strings, and read-only packaged data."""
