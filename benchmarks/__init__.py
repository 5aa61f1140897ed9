"""Benchmarks that print ratios measured within one run on this machine (not timed tests)."""
