"""What one call of in-model noise costs outside XLA, next to a plain elementwise op (issue 16).

`python -m benchmarks.probes.fused_kernel_cost [--rounds N]` times, in a `tf.function` without
XLA, each way of adding noise to the benchmark CNN's noisy activation (128x28x28x64 floats,
6.4M entries): the fused kernels of `keras_noise.ops._fused` (`kn.ops.activation_noise`,
`kn.ops.dropout`), the Philox draws they replace (a uniform, and `kn.ops.random.normal`'s
Box-Muller normal, each added to the input), and `x * 1.1`, the cost of any one elementwise op.
It prints the median wall time and CPU time (`time.process_time`, all threads) of a call.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import tensorflow as tf

import keras_noise as kn
from keras_noise.ops import random

SEED = tf.constant([1, 2], tf.int64)
SHAPE = (128, 28, 28, 64)

CALLS = {
    "fused additive noise": lambda x: kn.ops.activation_noise(x, 0.1, SEED),
    "fused dropout": lambda x: kn.ops.dropout(x, 0.3, SEED),
    "x + Philox uniform": lambda x: x + random.uniform(tf.shape(x), SEED),
    "x + Box-Muller normal": lambda x: x + random.normal(tf.shape(x), SEED),
    "x * 1.1": lambda x: x * 1.1,
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    x = tf.random.stateless_normal(SHAPE, (1, 2))
    functions = {name: tf.function(call, autograph=False) for name, call in CALLS.items()}
    for function in functions.values():
        function(x)  # trace, and compile the fused kernels
    wall = {name: [] for name in functions}
    cpu = {name: [] for name in functions}
    for _ in range(args.rounds):
        for name, function in functions.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            function(x)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    print(f"one call on {SHAPE} float32, graph mode, median of {args.rounds} rounds:")
    for name in functions:
        print(
            f"  {name:22s} wall {np.median(wall[name]) * 1e3:6.1f} ms"
            f"  cpu {np.median(cpu[name]) * 1e3:6.1f} ms"
        )


if __name__ == "__main__":
    main()
