"""The composer's phrase bank (YAML): playbook slots, each with several wordings per language."""
