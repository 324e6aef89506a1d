"""Benchmarks, reported against raw baselines measured in the same run (PERF-BASELINES §3)."""
