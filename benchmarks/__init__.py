"""Benchmarks for course: ``python -m benchmarks`` runs every ``benchmarks/bench_*.py`` (its ``main()``)."""
