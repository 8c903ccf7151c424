"""Evaluation scripts: each prints metrics and can write an HTML report."""
