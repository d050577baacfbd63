"""`LayerCase`: how the cross-cutting tests build, feed and wrap one public layer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import keras
import numpy as np


def uniform_floats(shape, rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0.0, 1.0, size=shape).astype("float32")


@dataclasses.dataclass(frozen=True)
class LayerCase:
    """One public layer and how to exercise it.

    Attributes:
        name: the test id.
        layer_cls: the public class.
        kwargs: a small valid configuration (without `seed`).
        example_shape: the shape of one example (no batch axis).
        kind: "preprocessing" (noise in `ds.map` and in models at training), "in_model" (noise
            only when `training=True`), or "batch" (needs `(x, y)`; Mixup-like).
        zero_strength: a strength at which the layer is the identity, or None if there is none.
        make_inputs: builds a float/int NumPy batch of a given shape.
        make_model: puts a layer into a model mapping inputs to outputs (default: Input -> layer).
        inference_is_identity: whether `layer(x, training=False)` returns `x` itself.
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

    def layer(self, seed: int | None = 0, **overrides: Any) -> keras.layers.Layer:
        return self.layer_cls(**{**self.kwargs, **overrides}, seed=seed)

    def inputs(self, batch: int = 4, seed: int = 0) -> np.ndarray:
        return self.make_inputs((batch, *self.example_shape), np.random.default_rng(seed))

    def model(self, layer: keras.layers.Layer) -> keras.Model:
        if self.make_model is not None:
            return self.make_model(layer, self.example_shape)
        inputs = keras.Input(self.example_shape)
        return keras.Model(inputs, layer(inputs))
