"""Which strengths a sweep moves, and the checks on values and callbacks that come with them.

Selection follows `keras_noise.callbacks.NoiseScheduler` exactly (it is resolved by a
`NoiseScheduler`): None selects every noise component of the model; a name, a class, an explicit
component (e.g. a `tf.data` layer) or a list of these selects those.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any

import keras

from keras_noise._validation import invalid_value
from keras_noise.callbacks import NoiseScheduler, find_noise_components
from keras_noise.callbacks.components import _optimizer_chain
from keras_noise.schedules import Constant

__all__ = ["Selection", "check_callbacks", "check_one_model_per_seed", "check_values", "select"]


@dataclasses.dataclass(frozen=True)
class Selection:
    """The components a sweep moves in one model, with their log keys (e.g. "jitter/stddev").

    Attributes:
        components: the selected noise components.
        keys: one key per component, as `NoiseScheduler` logs it.
    """

    components: tuple[Any, ...]
    keys: tuple[str, ...]

    def assign(self, value: float) -> None:
        """Assigns `value` to every selected strength (validated by each component)."""
        for component in self.components:
            component.set_strength(value)


def check_values(values: Any) -> tuple[float, ...]:
    """Returns `values` as a tuple of distinct finite floats, or raises the package's error.

    Examples:
        >>> check_values([0, 0.1, 0.2])
        (0.0, 0.1, 0.2)
        >>> check_values([])
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `values`: expected a non-empty sequence of ...values=[]
    """
    expected = "a non-empty sequence of distinct finite numbers (the strengths to try)"
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise invalid_value("values", expected, values)
    floats = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise invalid_value("values", f"{expected}; {item!r} is not a number", values)
        if not math.isfinite(float(item)):
            raise invalid_value("values", f"{expected}; {item!r} is not finite", values)
        floats.append(float(item))
    if len(set(floats)) != len(floats):
        raise invalid_value("values", f"{expected}; some values repeat", values)
    return tuple(floats)


def select(
    model: keras.Model, layers: Any, values: Sequence[float], *, argument: str = "build_model"
) -> Selection:
    """Resolves `layers` in `model` and checks every value against every selected component.

    Args:
        model: the built model.
        layers: the selector, as `NoiseScheduler(layers=...)` takes it.
        values: the strengths the sweep will assign; each is checked by each component's own
            `set_strength` (its own message), then the component's strength is restored.
        argument: the argument named when the model has no noise component.

    Returns:
        The `Selection`.

    Raises:
        ValueError: for a model without noise components (with `layers=None`), a selector that
            matches nothing, or a value a component refuses.
    """
    if layers is None and not find_noise_components(model):
        raise invalid_value(
            argument,
            "a model that holds noise components, but model "
            f"'{model.name}' has none (tf.data layers live outside the model: select them "
            "with layers=[...])",
            model.name,
        )
    assignments = NoiseScheduler(Constant(0.0), layers=layers).resolve(model)
    components = tuple(assignment.component for assignment in assignments)
    for component in components:
        saved = keras.ops.convert_to_numpy(component.strength)
        try:
            for value in values:
                component.set_strength(value)
        finally:
            component.strength.assign(saved)
    return Selection(components, tuple(assignment.key for assignment in assignments))


def _owned(model: keras.Model) -> set[int]:
    return {id(c) for c in find_noise_components(model) + _optimizer_chain(model)}


def check_one_model_per_seed(models: Sequence[keras.Model], selections: Sequence[Selection]):
    """Refuses a component selected in one seed's model but owned by another seed's model.

    `build_model` builds a new model per seed, so an explicit component instance from one model
    would move the wrong model's strength: in-model components must be selected by name or class.

    Raises:
        ValueError: naming the component.
    """
    owned = [_owned(model) for model in models]
    for index, selection in enumerate(selections):
        for component, key in zip(selection.components, selection.keys, strict=True):
            if id(component) in owned[index]:
                continue
            if any(id(component) in other for other in owned):
                raise invalid_value(
                    "layers",
                    "names or classes for components inside the model (build_model builds a "
                    f"new model for each seed, so the instance '{key}' of one seed's model is "
                    "not in another's)",
                    key,
                )


def check_callbacks(callbacks: Sequence[Any], model: keras.Model, selection: Selection) -> None:
    """Refuses a `NoiseScheduler` that would move a swept strength during training.

    Raises:
        ValueError: naming the component both would move.
    """
    swept = {
        id(component): key
        for component, key in zip(selection.components, selection.keys, strict=True)
    }
    for callback in callbacks:
        if not isinstance(callback, NoiseScheduler):
            continue
        for assignment in callback.resolve(model):
            if id(assignment.component) in swept:
                raise invalid_value(
                    "callbacks",
                    "callbacks that leave the swept strengths alone; a NoiseScheduler in "
                    f"`callbacks` also moves '{swept[id(assignment.component)]}', which the "
                    "sweep sets",
                    callbacks,
                )
