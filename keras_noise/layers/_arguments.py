"""Checks of layer constructor arguments that take pairs, ranges, per-feature vectors or shapes.

Each raises the error of `keras_noise._validation` (naming the argument and what was received);
the scalar checks (`check_float`, `check_int`, ...) live there.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from keras_noise._validation import check_float, check_int, check_range, invalid_value


def check_fraction(name: str, value) -> float:
    """A float in `(0, 1]`."""
    return check_float(name, value, low=0.0, high=1.0, low_inclusive=False)


def check_pixels(name: str, value) -> int:
    """An int >= 1."""
    return check_int(name, value, low=1)


def check_pair(name: str, value, check) -> tuple:
    """A scalar or a `(height, width)` pair, checked item by item, as a pair."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != 2:
            raise invalid_value(name, "a number or a pair (height, width)", value)
        return check(name, value[0]), check(name, value[1])
    item = check(name, value)
    return item, item


def check_fraction_range(name: str, value) -> tuple[float, float]:
    """A `(low, high)` pair of fractions with `0 < low <= high <= 1`."""
    expected = "a pair (low, high) of fractions in (0, 1] with low <= high"
    try:
        low, high = check_range(name, value, low=0.0, high=1.0)
    except ValueError:
        raise invalid_value(name, expected, value) from None
    if low <= 0.0:
        raise invalid_value(name, expected, value)
    return low, high


def check_positive_range(name: str, value) -> tuple[float, float]:
    """A `(low, high)` pair of floats with `0 < low <= high`."""
    expected = "a pair (low, high) of floats with 0 < low <= high"
    try:
        low, high = check_range(name, value)
    except ValueError:
        raise invalid_value(name, expected, value) from None
    if low <= 0.0:
        raise invalid_value(name, expected, value)
    return low, high


def check_float_or_vector(name: str, value, **bounds) -> float | tuple[float, ...]:
    """A float, or a non-empty sequence of floats (one per feature) as a tuple."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return check_float(name, value, **bounds)
    if not value:
        raise invalid_value(name, "a float or a non-empty sequence of floats", value)
    return tuple(check_float(name, item, **bounds) for item in value)


def check_axes_in_rank(name: str, axes: tuple[int, ...] | None, rank: int) -> None:
    """Raises unless every axis of `axes` (None: no axis) is an axis of a rank-`rank` input."""
    for axis in axes or ():
        if not -rank <= axis < rank:
            raise invalid_value(name, f"axes of an input of rank {rank}", axes)


def shared_axes_from_noise_shape(value) -> tuple[int, ...] | None:
    """The `shared_axes` equal to a deprecated `noise_shape` (FeatureMask before 0.2.0).

    `noise_shape` had one entry per input axis: 1 shares the mask along that axis, None does
    not. An int size (another int than 1) also checked the input's size; `shared_axes` has no
    equivalent, so it is an error naming `noise_shape`.

    Examples:
        >>> shared_axes_from_noise_shape((None, 1, None))
        (1,)
        >>> shared_axes_from_noise_shape((None, 3))
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `noise_shape`: expected None or a sequence of None or 1, ...
    """
    expected = (
        "None or a sequence of None or 1, one per input axis (1: shared; pass "
        "`shared_axes` instead, an int size has no `shared_axes` equivalent)"
    )
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise invalid_value("noise_shape", expected, value)
    for entry in value:
        if entry is not None and (
            isinstance(entry, bool) or not isinstance(entry, numbers.Integral) or entry != 1
        ):
            raise invalid_value("noise_shape", expected, value)
    return tuple(axis for axis, entry in enumerate(value) if entry == 1) or None
