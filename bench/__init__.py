"""Benchmarks live here (see bench/README.md)."""
