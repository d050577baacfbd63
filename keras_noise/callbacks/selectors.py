"""`NoiseScheduler` selectors and schedules: checking them, and their (de)serialization.

A selector is None (every noise layer of the model), a name, a class, a noise component, a layer
or model holding noise components, or a tuple of these. In a config, a class is stored as
``{"class": registered name}`` and an explicit component by its name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras

from keras_noise import schedules as schedules_module
from keras_noise._validation import invalid_type, invalid_value
from keras_noise.callbacks.components import _components_of, _describe, is_noise_component

_SELECTOR_HELP = (
    "None (every noise layer of the model), a name, a class, a noise component instance, a "
    "layer or model holding noise components, or a list of these"
)


def _normalize_selector(selector: Any, argument: str) -> tuple | None:
    """Checks a selector and returns it as a tuple of items (str, class, component), or None."""
    if selector is None:
        return None
    items = tuple(selector) if isinstance(selector, (list, tuple)) else (selector,)
    if not items:
        raise invalid_value(argument, _SELECTOR_HELP + " (not an empty list)", selector)
    for item in items:
        if isinstance(item, (str, type)):
            continue
        if not is_noise_component(item) and not _components_of(item):
            raise invalid_value(
                argument,
                f"{_SELECTOR_HELP}; {_describe(item)} is not a noise component (it has no "
                "`strength` Keras variable and `set_strength` method) and holds none",
                selector,
            )
    return items


def _check_schedule(schedule: Any, argument: str) -> Callable:
    if isinstance(schedule, dict):
        schedule = schedules_module.deserialize(schedule)
    if not callable(schedule):
        raise invalid_type(
            argument,
            "a keras_noise.schedules.Schedule or a function of the epoch or step",
            schedule,
        )
    return schedule


def _serialize_item(item: Any) -> Any:
    if isinstance(item, type):
        return {"class": keras.saving.get_registered_name(item)}
    if isinstance(item, str):
        return item
    return item.name  # explicit components are stored by name


def _serialize_selector(selector: tuple | None) -> Any:
    if selector is None:
        return None
    items = [_serialize_item(item) for item in selector]
    return items[0] if len(items) == 1 else items


def _deserialize_item(item: Any) -> Any:
    if isinstance(item, dict) and set(item) == {"class"}:
        cls = keras.saving.get_registered_object(item["class"])
        if cls is None:
            raise invalid_value("layers", "a registered Keras class", item["class"])
        return cls
    return item


def _deserialize_selector(config: Any) -> Any:
    if config is None:
        return None
    if isinstance(config, list):
        return tuple(_deserialize_item(item) for item in config)
    return _deserialize_item(config)


def _is_serialized_object(value: Mapping) -> bool:
    return "class_name" in value and "config" in value


def _serialize(schedule: Callable) -> Any:
    return keras.saving.serialize_keras_object(schedule)


def _hashable(selector: Any) -> Any:
    return tuple(selector) if isinstance(selector, list) else selector
