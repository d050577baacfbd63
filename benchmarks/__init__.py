"""keras-noise benchmarks: run with `keras-noise bench` or `python -m benchmarks`."""
