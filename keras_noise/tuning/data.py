"""A sweep's data: the accepted forms of training and validation data, and corrupted validation.

Training and validation data are a `tf.data.Dataset`, a `keras.utils.PyDataset`, or a tuple
``(x, y)`` / ``(x, y, sample_weight)`` of arrays, passed to `fit` as they are. With
``corruption=(name, severity)`` the validation inputs are corrupted once, before any training,
by `keras_noise.robustness.corrupt`; every value and seed is then scored on the same inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_noise._validation import invalid_value

__all__ = [
    "FIT_OPTIONS",
    "check_corruption",
    "check_data",
    "check_fit_kwargs",
    "corrupt_validation",
    "fit_inputs",
]

#: The `fit` arguments a sweep passes through from `fit_kwargs`; the sweep sets the others.
FIT_OPTIONS = (
    "batch_size",
    "steps_per_epoch",
    "validation_steps",
    "validation_batch_size",
    "class_weight",
    "shuffle",
)
_FORMS = (
    "a tf.data.Dataset, a keras.utils.PyDataset, or a tuple (x, y) or (x, y, sample_weight) "
    "of arrays"
)


def _describe(data: Any) -> str:
    if isinstance(data, (tuple, list)):
        parts = ", ".join(
            f"<array of shape {np.shape(part)}>" if hasattr(part, "shape") else repr(part)
            for part in data
        )
        return f"({parts})"
    return f"<{type(data).__name__}>"


def check_data(name: str, data: Any) -> Any:
    """Returns `data` if it is one of the accepted forms (a list becomes a tuple)."""
    if isinstance(data, (tf.data.Dataset, keras.utils.PyDataset)):
        return data
    if isinstance(data, (tuple, list)) and len(data) in (2, 3) and data[1] is not None:
        return tuple(data)
    raise invalid_value(name, _FORMS, _describe(data))


def fit_inputs(data: Any) -> dict[str, Any]:
    """The `fit` keyword arguments for training data in an accepted form."""
    if isinstance(data, tuple):
        return {"x": data[0], "y": data[1], "sample_weight": data[2] if len(data) == 3 else None}
    return {"x": data}


def check_fit_kwargs(fit_kwargs: Any) -> dict[str, Any]:
    """Returns `fit_kwargs` as a dict after checking every key is one of `FIT_OPTIONS`."""
    if fit_kwargs is None:
        return {}
    expected = f"None or a dict with keys among {', '.join(FIT_OPTIONS)}"
    if not isinstance(fit_kwargs, Mapping):
        raise invalid_value("fit_kwargs", expected, fit_kwargs)
    unknown = sorted(key for key in fit_kwargs if key not in FIT_OPTIONS)
    if unknown:
        raise invalid_value(
            "fit_kwargs",
            f"{expected} (the sweep sets epochs, callbacks, validation and verbosity itself; "
            f"not allowed: {', '.join(map(repr, unknown))})",
            dict(fit_kwargs),
        )
    return dict(fit_kwargs)


def check_corruption(corruption: Any) -> tuple[str, Any] | None:
    """Returns `corruption` as a `(name, severity)` pair, or None.

    The name and the severity are checked by `keras_noise.robustness.corrupt` itself.

    Examples:
        >>> check_corruption(["gaussian_noise", 3])
        ('gaussian_noise', 3)
        >>> check_corruption("gaussian_noise")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `corruption`: expected None or a pair (name, severity)...
    """
    if corruption is None:
        return None
    valid = (
        isinstance(corruption, (tuple, list))
        and len(corruption) == 2
        and isinstance(corruption[0], str)
        and isinstance(corruption[1], numbers.Real)
        and not isinstance(corruption[1], bool)
    )
    if not valid:
        raise invalid_value(
            "corruption",
            "None or a pair (name, severity) of `keras_noise.robustness.corrupt`, "
            "e.g. ('gaussian_noise', 3)",
            corruption,
        )
    return corruption[0], corruption[1]


def _as_arrays(data: Any) -> tuple:
    if isinstance(data, tuple):
        return data
    if not isinstance(data, tf.data.Dataset):
        raise invalid_value(
            "validation_data",
            "a tuple of arrays or a finite tf.data.Dataset of (x, y) batches when `corruption` "
            "is given (the inputs are corrupted once, before training)",
            _describe(data),
        )
    batches = list(data.as_numpy_iterator())
    if not batches or not isinstance(batches[0], tuple) or isinstance(batches[0][0], dict):
        raise invalid_value(
            "validation_data",
            "a dataset of (x, y) or (x, y, sample_weight) batches with one input tensor when "
            "`corruption` is given",
            _describe(data),
        )
    return tuple(np.concatenate(parts) for parts in zip(*batches, strict=True))


def corrupt_validation(validation_data: Any, corruption: tuple[str, Any], *, seed: int = 0):
    """`validation_data` with its inputs corrupted by `keras_noise.robustness.corrupt`.

    Args:
        validation_data: the validation data, in an accepted form (a dataset is read once).
        corruption: the checked `(name, severity)` pair.
        seed: the corruption's seed.

    Returns:
        A tuple ``(corrupted_x, y[, sample_weight])``.
    """
    from keras_noise import robustness

    x, *rest = _as_arrays(validation_data)
    name, severity = corruption
    return (robustness.corrupt(x, name, severity, seed=seed), *rest)
