"""Benchmarks, not tests: `python -m benchmarks.journey` and `python -m benchmarks.http_load`.

Each prints a Markdown table; the tables of one run and the commands are in docs/PERFORMANCE.md.
Nothing here is imported by the product or by the tests.
"""
