"""Noise components: the protocol, and finding them in a model and its optimizer chain.

A **noise component** is any object with a `strength` Keras variable and a validating
`set_strength(value)` method: every `keras_noise.layers.NoiseLayer`, the
`keras_noise.optimizers.GradientNoise` optimizer (`strength` is its `eta`), and any later
component that follows the same protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras

from keras_noise._keras_compat import layer_tree

__all__ = ["find_noise_components", "is_noise_component"]


def is_noise_component(obj: Any) -> bool:
    """Whether `obj` follows the noise-component protocol.

    The protocol: a `strength` attribute that is a `keras.Variable` and a callable
    `set_strength(value)` that validates and assigns it. The name of the strength in logs comes
    from the optional `strength_name` attribute (default "strength").

    Examples:
        >>> import keras, keras_noise as kn
        >>> is_noise_component(kn.layers.Jitter(stddev=0.1))
        True
        >>> is_noise_component(keras.layers.Dense(2))
        False
    """
    return isinstance(getattr(obj, "strength", None), keras.Variable) and callable(
        getattr(obj, "set_strength", None)
    )


def _optimizer_chain(model: keras.layers.Layer) -> list[Any]:
    """The model's optimizer and the optimizers it wraps (`inner_optimizer` attributes)."""
    chain = []
    optimizer = getattr(model, "optimizer", None)
    while optimizer is not None and all(optimizer is not o for o in chain):
        chain.append(optimizer)
        optimizer = getattr(optimizer, "inner_optimizer", None)
    return chain


def find_noise_components(model: keras.layers.Layer) -> list[Any]:
    """Every noise component in `model`: the model itself, nested models, wrappers and sublayers.

    The model's optimizer is not included (see `NoiseScheduler` for how to select it).

    Args:
        model: a Keras model or layer.

    Returns:
        The components, each once, in depth-first order.

    Examples:
        >>> import keras, keras_noise as kn
        >>> inner = keras.Sequential([kn.layers.Jitter(0.1, name="j2")], name="inner")
        >>> model = keras.Sequential([keras.Input((3,)), kn.layers.Jitter(0.1, name="j1"), inner])
        >>> [c.name for c in find_noise_components(model)]
        ['j1', 'j2']
    """
    return [layer for layer in layer_tree(model) if is_noise_component(layer)]


def _components_of(item: Any) -> list[Any]:
    """`[item]` for a noise component; the components a container (a Sequential...) holds."""
    if is_noise_component(item):
        return [item]
    if isinstance(item, keras.layers.Layer):
        return find_noise_components(item)
    return []


def _describe(obj: Any) -> str:
    return f"'{getattr(obj, 'name', obj)}' ({type(obj).__name__})"


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: set[int] = set()
    unique = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            unique.append(item)
    return unique
