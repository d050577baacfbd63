"""What a random draw costs inside the benchmark CNN's train step (issue 16's profile).

`python -m benchmarks.probes.normal_draw_cost [--xla|--graph] [--rounds N]` trains the in_model
suite's Conv32-Conv64-[noise]-Flatten-Dense10 model with a noise layer that adds `0.1 * draw` to
the 6.4M activations, for several ways of drawing, in interleaved rounds, and prints the median
CPU time of a step relative to the step without noise. CPU time (`time.process_time`, all
threads) is steadier than wall time on a shared machine.

Draws under `--xla` (counter hash, `keras_noise.ops.counter_hash`): `constant` (no draw: the
cost of any elementwise op at that point), `uniform`, `erfinv` (the
inverse normal CDF by `tf.math.erfinv`, the normal before issue 16), `log` (a lone log of the
uniform) and `table` (`counter_hash.normal`, the interpolated table). Under `--graph`: a Philox
`uniform` and `keras_noise.ops.random.normal` (Box-Muller).
"""

from __future__ import annotations

import argparse
import math
import time

import keras
import numpy as np
import tensorflow as tf

from benchmarks.models import BATCH, IMAGE_SHAPE, fixed_batch
from keras_noise.ops import counter_hash, random

SEED = tf.constant([1, 2], tf.int64)


def _top_bits_uniform(shape):
    words = counter_hash.bits(shape, SEED)
    return (tf.cast(tf.bitwise.right_shift(words, 8), tf.float32) + 0.5) * 2.0**-24


XLA_DRAWS = {
    "constant": lambda shape: tf.ones(shape),  # x + 0.1: an elementwise op without a draw
    "uniform": lambda shape: counter_hash.uniform(shape, SEED),
    "erfinv": lambda shape: math.sqrt(2.0) * tf.math.erfinv(2.0 * _top_bits_uniform(shape) - 1.0),
    "log": lambda shape: tf.math.log(_top_bits_uniform(shape)),
    "table": lambda shape: counter_hash.normal(shape, SEED),
}
GRAPH_DRAWS = {
    "uniform": lambda shape: random.uniform(shape, SEED),
    "normal": lambda shape: random.normal(shape, SEED),
}


class _AddDraw(keras.layers.Layer):
    def __init__(self, draw, **kwargs):
        super().__init__(**kwargs)
        self.draw = draw

    def call(self, inputs):
        return inputs if self.draw is None else inputs + 0.1 * self.draw(tf.shape(inputs))


def _model(draw, jit_compile: bool) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.Conv2D(64, 3, activation="relu"),
            _AddDraw(draw),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile("adam", loss, jit_compile=jit_compile)
    return model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", action="store_true", help="graph mode (default: XLA)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    draws = GRAPH_DRAWS if args.graph else XLA_DRAWS
    models = {"no noise": _model(None, not args.graph)}
    models.update({name: _model(draw, not args.graph) for name, draw in draws.items()})
    x, y = fixed_batch(BATCH)
    for model in models.values():  # compile and warm up
        model.train_on_batch(x, y)
        model.train_on_batch(x, y)
    times = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            start = time.process_time()
            for _ in range(5):
                model.train_on_batch(x, y)
            times[name].append((time.process_time() - start) / 5)
    base = np.median(times["no noise"])
    mode = "graph" if args.graph else "jit_compile=True"
    print(f"train step CPU time, {mode}, batch {BATCH}, median of {args.rounds} rounds:")
    for name, values in times.items():
        print(f"  {name:9s} {np.median(values) * 1e3:7.1f} ms  {np.median(values) / base:.2f}x")


if __name__ == "__main__":
    main()
