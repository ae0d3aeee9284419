"""Benchmarks for blogstats: `python -m bench` prints one table and writes bench/results/latest.json."""
