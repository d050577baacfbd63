"""`LayerCase`: how the cross-cutting tests build, feed and wrap one public layer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from noise_levels import NoiseLevel


def uniform_floats(shape, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.0, 1.0, size=shape).astype("float32")


def one_hot_labels(batch: int, rng: np.random.Generator, num_classes: int = 3) -> np.ndarray:
    return np.eye(num_classes, dtype="float32")[rng.integers(0, num_classes, size=batch)]


@dataclasses.dataclass(frozen=True)
class LayerCase:
    """One public layer and how to exercise it.

    Attributes:
        name: the test id.
        layer_cls: the public class.
        kwargs: a small valid configuration (without `seed`).
        example_shape: the shape of one example (no batch axis).
        kind: "preprocessing" (noise in `ds.map` and in models at training), "in_model" (noise
            only when `training=True`), or "batch" (needs `(x, y)`; MixUp-like). A batch case's
            `inputs()` is the element `{"images": x, "labels": y}` and its `model()` is a
            functional model from that dict to the layer's output dict (the augmentation model
            of Keras' convention).
        zero_strength: a strength at which the layer is the identity, or None if there is none.
        make_inputs: builds a float/int NumPy batch of a given shape.
        make_model: puts a layer into a model mapping inputs to outputs (default: Input -> layer).
        inference_is_identity: whether `layer(x, training=False)` returns `x` itself.
        make_labels: builds the labels of a batch case for a batch size.
        stochastic: whether the layer draws randomness (False: a deterministic transform such as
            label smoothing, exempt from the fresh-noise and seed checks).
        level: what the strength means, measured on the output (`tests/noise_levels.py`); the
            strength-level, mixed-precision and replica tests check it.
    """

    name: str
    layer_cls: type
    kwargs: dict
    example_shape: tuple
    kind: str = "preprocessing"
    zero_strength: float | None = 0.0
    make_inputs: Callable[[tuple, np.random.Generator], np.ndarray] = uniform_floats
    make_model: Callable[[keras.layers.Layer, tuple], keras.Model] | None = None
    inference_is_identity: bool = True
    make_labels: Callable[[int, np.random.Generator], np.ndarray] = one_hot_labels
    stochastic: bool = True
    level: NoiseLevel | None = None

    def layer(self, seed: int | None = 0, **overrides: Any) -> keras.layers.Layer:
        return self.layer_cls(**{**self.kwargs, **overrides}, seed=seed)

    def inputs(self, batch: int = 4, seed: int = 0) -> np.ndarray | dict:
        rng = np.random.default_rng(seed)
        x = self.make_inputs((batch, *self.example_shape), rng)
        if self.kind != "batch":
            return x
        return {"images": x, "labels": self.make_labels(batch, rng)}

    def model(self, layer: keras.layers.Layer) -> keras.Model:
        if self.make_model is not None:
            return self.make_model(layer, self.example_shape)
        if self.kind == "batch":
            element = self.inputs(batch=1)
            inputs = {
                key: keras.Input(value.shape[1:], dtype=str(value.dtype), name=key)
                for key, value in element.items()
            }
            return keras.Model(inputs, layer(inputs))
        inputs = keras.Input(self.example_shape)
        return keras.Model(inputs, layer(inputs))
