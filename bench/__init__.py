"""Benchmarks with recorded figures (bench/RESULTS.md); not tests."""
