"""Benchmarks: run on purpose (``make bench``); they print figures and are never timed tests."""
