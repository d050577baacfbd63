"""The small CNN the in-model, optimizer and adversarial benchmarks measure train steps on.

Conv32-Conv64-[noise]-Flatten-Dense10 on 32x32x3, batch 128, as named in the issues; a train
step is one `train_on_batch` of a compiled model on a fixed batch.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np

from benchmarks.harness import Candidate

BATCH = 128
IMAGE_SHAPE = (32, 32, 3)


def small_cnn(noise: keras.layers.Layer | None = None, *, seed: int = 0) -> keras.Model:
    """Conv32-Conv64-[noise]-Flatten-Dense10; `noise` (any layer) goes after the convolutions."""
    keras.utils.set_random_seed(seed)
    layers = [
        keras.Input(IMAGE_SHAPE),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.Conv2D(64, 3, activation="relu"),
    ]
    if noise is not None:
        layers.append(noise)
    layers += [keras.layers.Flatten(), keras.layers.Dense(10)]
    return keras.Sequential(layers)


def fixed_batch(batch: int = BATCH, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch of images and integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(batch, *IMAGE_SHAPE)).astype("float32")
    y = rng.integers(0, 10, size=(batch,)).astype("int32")
    return x, y


def train_step_candidate(
    label: str,
    build: Callable[[], keras.Model],
    *,
    steps: int = 5,
    batch: int = BATCH,
    optimizer: Callable[[], keras.optimizers.Optimizer] = lambda: keras.optimizers.SGD(0.01),
    jit_compile: bool = False,
) -> Candidate:
    """Times `steps` train steps of the model that `build()` returns, compiled with `optimizer`."""
    x, y = fixed_batch(batch)
    model = build()
    model.compile(
        optimizer=optimizer(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )

    def run():
        for _ in range(steps):
            model.train_on_batch(x, y)

    return Candidate(label, run, items=steps * batch)
