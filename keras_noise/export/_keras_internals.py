"""The Keras internals the export module reads, in one place so a Keras upgrade breaks one file."""

from __future__ import annotations

import keras


def is_functional(model: keras.layers.Layer) -> bool:
    """Whether `model` is a functional model (a graph of layers), not a subclassed one.

    `keras.Sequential` is a subclass of Keras' `Functional` class; callers test it first.
    """
    from keras.src.models.functional import Functional

    return isinstance(model, Functional)


def recorded_input_signature(model: keras.Model) -> list | None:
    """The input specs Keras recorded when a subclassed model was first called, or None."""
    try:
        from keras.src.export.export_utils import get_input_signature

        return list(get_input_signature(model))
    except Exception:  # Not called yet, or a Keras version without the helper.
        return None


def layer_tree(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """`layer` and all its sublayers, depth first, in creation order."""
    return list(layer._flatten_layers(include_self=True, recursive=True))
