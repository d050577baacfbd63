"""Benchmark suites: each module exposes `groups(quick: bool) -> list[harness.Group]`."""
