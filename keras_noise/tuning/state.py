"""Snapshots of a model's training state, so every strength starts from the same weights.

A snapshot holds the values of the model's variables (weights, non-trainable state such as
batch-norm statistics, noise strengths and the noise layers' seed-generator states), of its
optimizer's variables (iterations, learning rate, moments; a wrapped optimizer's too) and of any
other component a sweep selects (a `tf.data` layer). Restoring assigns the saved values to the
same variables: nothing is rebuilt, so compiled train and test functions are reused as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np

__all__ = ["Snapshot", "build_optimizer"]


def build_optimizer(model: keras.Model) -> None:
    """Creates the optimizer's variables now (Keras would at the first step), so they are saved.

    Raises:
        ValueError: if the model has no optimizer (it is not compiled).
    """
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)


def _variables(model: keras.Model, extra: Iterable[Any]) -> list[keras.Variable]:
    found: dict[int, keras.Variable] = {}
    for variable in [*model.variables, *model.optimizer.variables]:
        found.setdefault(id(variable), variable)
    for component in extra:
        for variable in getattr(component, "variables", []):
            found.setdefault(id(variable), variable)
    return list(found.values())


class Snapshot:
    """The values of a model's (and its optimizer's) variables at one moment.

    Args:
        model: a built, compiled model whose optimizer is built (`build_optimizer`).
        extra: other components whose variables belong to the state (e.g. tf.data layers).

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile("adam", "mse")
        >>> build_optimizer(model)
        >>> start = Snapshot(model)
        >>> _ = model.layers[0].kernel.assign([[5.0], [5.0]])
        >>> start.restore()
        >>> bool((model.layers[0].kernel.numpy() != 5.0).all())
        True
    """

    def __init__(self, model: keras.Model, extra: Iterable[Any] = ()):
        self._variables = _variables(model, extra)
        self._values = [np.array(keras.ops.convert_to_numpy(v)) for v in self._variables]

    def restore(self) -> None:
        """Assigns the saved values back to the variables."""
        for variable, value in zip(self._variables, self._values, strict=True):
            variable.assign(value)
