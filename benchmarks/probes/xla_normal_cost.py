"""What a normal draw costs inside an XLA kernel, by the way it is computed (issue 16's profile).

`python -m benchmarks.probes.xla_normal_cost [--rounds N]` times one `jit_compile=True` call
that adds noise to the benchmark CNN's noisy activation (128x28x28x64 floats, 6.4M entries), for
several ways of turning the counter hash (`keras_noise.ops.counter_hash`) into noise:

* `x * 1.1` and `x + uniform`: an elementwise op without a draw, and with the hashed uniform;
* `table 2**14, 2 gathers`: `counter_hash.normal`, the inverse normal CDF interpolated between
  two knots of a 2**14-segment table (what `ActivationNoise` and `Jitter` use under XLA);
* `table 2**8, 2 gathers` and `nearest of 2**14, 1 gather`: a table 64 times smaller, and one
  lookup instead of two, to see whether the table's size or the number of lookups matters;
* `erfinv polynomials`: no table, Giles' single-precision `erfinv` approximation ("Approximating
  the erfinv function", GPU Computing Gems, 2011: two degree-8 polynomials in `log(4u(1-u))`).

It prints the median wall time of a call over interleaved rounds.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import tensorflow as tf

from keras_noise.ops import counter_hash

SEED = tf.constant([1, 2], tf.int64)
SHAPE = (128, 28, 28, 64)

# Giles (2011), single precision: the central polynomial (w < 5) and the tail's.
_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087)
_CENTRAL += (-0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773)
_TAIL += (-0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _interpolated(bits: int):
    knots = tf.constant(counter_hash._inverse_normal_knots(bits))

    def normal(shape):
        words = counter_hash.bits(shape, SEED)
        segment = tf.cast(tf.bitwise.right_shift(words, 32 - bits), tf.int32)
        low_bits = tf.bitwise.right_shift(tf.bitwise.left_shift(words, bits), bits)
        position = tf.cast(low_bits, tf.float32) * (1.0 / (1 << (32 - bits)))
        low, high = tf.gather(knots, segment), tf.gather(knots, segment + 1)
        return low + position * (high - low)

    return normal


def _nearest(shape):
    words = counter_hash.bits(shape, SEED)
    knots = tf.constant(counter_hash._inverse_normal_knots())
    return tf.gather(knots, tf.cast(tf.bitwise.right_shift(words, 18), tf.int32))


def _horner(coefficients, w):
    result = coefficients[0]
    for coefficient in coefficients[1:]:
        result = coefficient + result * w
    return result


def _erfinv_polynomials(shape):
    words = counter_hash.bits(shape, SEED)
    u = (tf.cast(tf.bitwise.right_shift(words, 8), tf.float32) + 0.5) * 2.0**-24
    w = -tf.math.log(4.0 * u * (1.0 - u))
    central = _horner(_CENTRAL, w - 2.5)
    tail = _horner(_TAIL, tf.sqrt(w) - 3.0)
    return math.sqrt(2.0) * (2.0 * u - 1.0) * tf.where(w < 5.0, central, tail)


CALLS = {
    "x * 1.1": lambda x: x * 1.1,
    "x + uniform": lambda x: x + counter_hash.uniform(tf.shape(x), SEED),
    "table 2**14, 2 gathers": lambda x: x + 0.1 * counter_hash.normal(tf.shape(x), SEED),
    "table 2**8, 2 gathers": lambda x: x + 0.1 * _interpolated(8)(tf.shape(x)),
    "nearest of 2**14, 1 gather": lambda x: x + 0.1 * _nearest(tf.shape(x)),
    "erfinv polynomials": lambda x: x + 0.1 * _erfinv_polynomials(tf.shape(x)),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    x = tf.random.stateless_normal(SHAPE, (1, 2))
    functions = {
        name: tf.function(call, jit_compile=True, autograph=False) for name, call in CALLS.items()
    }
    for function in functions.values():
        function(x)  # compile
    wall = {name: [] for name in functions}
    for _ in range(args.rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            function(x)
            wall[name].append(time.perf_counter() - start)
    print(f"one jit-compiled call on {SHAPE} float32, median of {args.rounds} rounds:")
    for name in functions:
        print(f"  {name:27s} {np.median(wall[name]) * 1e3:6.1f} ms")


if __name__ == "__main__":
    main()
