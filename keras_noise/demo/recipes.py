"""The demo's recipes, written with the public API exactly as a user would.

A recipe builds a compiled model for the digits (inputs 8x8x1 in [0, 1], 10 classes). The
baseline is the same network without any noise.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

import keras_noise as kn


def _network(*noise_layers: keras.layers.Layer) -> list[keras.layers.Layer]:
    return [
        keras.Input((8, 8, 1)),
        *noise_layers,
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]


def _compiled(layers: list[keras.layers.Layer]) -> keras.Model:
    model = keras.Sequential(layers)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def baseline(seed: int) -> keras.Model:
    """The network without noise."""
    return _compiled(_network())


def jitter(seed: int) -> keras.Model:
    """Gaussian input noise (stddev 0.3 on [0, 1] pixels)."""
    return _compiled(_network(kn.layers.Jitter(stddev=0.3, seed=seed)))


RECIPES: dict[str, Callable[[int], keras.Model]] = {"baseline": baseline, "jitter": jitter}
