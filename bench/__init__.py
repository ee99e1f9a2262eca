"""Benchmarks: each figure measured against a baseline on the same machine, in the same run."""
