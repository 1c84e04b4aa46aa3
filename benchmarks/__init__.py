"""Benchmarks: `python benchmarks/run.py` (or `make bench`) writes docs/performance.md."""
