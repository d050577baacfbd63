"""One place for argument checks and one template for their errors.

Every public constructor validates its arguments here, so that bad input fails at the earliest point
with a message of one shape::

    Invalid value for `rate`: expected a float in [0, 1). Received: rate=1.5

Booleans are rejected where numbers are expected (`True` is an `int` in Python, and a silent
`stddev=True` is a bug, not a value).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any


def invalid_value(name: str, expected: str, received: Any) -> ValueError:
    """Builds the package's one error for a bad argument value.

    Args:
        name: the argument's name, as the user wrote it.
        expected: what a valid value looks like, e.g. "a float in [0, 1)".
        received: the value that was passed.

    Returns:
        A `ValueError` with the message template shared by the whole package.

    Examples:
        >>> str(invalid_value("rate", "a float in [0, 1)", 1.5))
        'Invalid value for `rate`: expected a float in [0, 1). Received: rate=1.5'
    """
    return ValueError(
        f"Invalid value for `{name}`: expected {expected}. Received: {name}={received!r}"
    )


def invalid_type(name: str, expected: str, received: Any) -> TypeError:
    """Like `invalid_value`, for a value of the wrong type; the message also names the type."""
    return TypeError(
        f"Invalid type for `{name}`: expected {expected}. "
        f"Received: {name}={received!r} of type {type(received).__name__}"
    )


def _interval_text(low, high, low_inclusive, high_inclusive) -> str:
    if low is not None and high is not None:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        return f"in {left}{low:g}, {high:g}{right}"
    if low is not None:
        return f"{'>=' if low_inclusive else '>'} {low:g}"
    if high is not None:
        return f"{'<=' if high_inclusive else '<'} {high:g}"
    return "finite"


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Returns `value` as a Python float after checking it is a finite real number in range.

    Args:
        name: the argument's name, used in the error message.
        value: the value to check; ints, floats and NumPy scalars are accepted, bools are not.
        low: the lower bound, or None for no lower bound.
        high: the upper bound, or None for no upper bound.
        low_inclusive: whether `low` itself is allowed.
        high_inclusive: whether `high` itself is allowed.

    Returns:
        The value as a Python float.

    Raises:
        ValueError: for a bool, a non-number, NaN, infinity or a value out of range.

    Examples:
        >>> check_float("rate", 0.25, low=0.0, high=1.0, high_inclusive=False)
        0.25
        >>> check_float("stddev", -1, low=0.0)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `stddev`: expected a float >= 0. Received: stddev=-1
    """
    expected = f"a float {_interval_text(low, high, low_inclusive, high_inclusive)}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid_value(name, expected, value)
    number = float(value)
    if not math.isfinite(number):
        raise invalid_value(name, expected, value)
    too_low = low is not None and (number < low or (number == low and not low_inclusive))
    too_high = high is not None and (number > high or (number == high and not high_inclusive))
    if too_low or too_high:
        raise invalid_value(name, expected, value)
    return number


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Returns `value` as a Python int after checking it is an integer in `[low, high]`.

    Examples:
        >>> check_int("num_bands", 2, low=1)
        2
        >>> check_int("num_bands", 1.5, low=1)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `num_bands`: expected an integer >= 1. Received: num_bands=1.5
    """
    if low is not None and high is not None:
        expected = f"an integer in [{low}, {high}]"
    elif low is not None:
        expected = f"an integer >= {low}"
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid_value(name, expected, value)
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise invalid_value(name, expected, value)
    return number


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Returns `value` after checking it is one of `choices`.

    Examples:
        >>> check_choice("distribution", "normal", ("normal", "uniform"))
        'normal'
        >>> check_choice("distribution", "gauss", ("normal", "uniform"))
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `distribution`: expected one of 'normal', 'uniform'. ...
    """
    options = tuple(choices)
    if isinstance(value, bool) or value not in options:
        raise invalid_value(name, "one of " + ", ".join(repr(o) for o in options), value)
    return value


def check_range(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    allow_equal: bool = True,
) -> tuple[float, float]:
    """Returns a `(low, high)` pair of floats after checking its order and bounds.

    Args:
        name: the argument's name, used in the error message.
        value: a sequence of two real numbers.
        low: the smallest value either end may take, or None.
        high: the largest value either end may take, or None.
        allow_equal: whether the two ends may be equal.

    Returns:
        The pair as a tuple of two Python floats.

    Raises:
        ValueError: if the value is not a pair of finite numbers, is out of order or out of bounds.

    Examples:
        >>> check_range("value_range", (0, 255))
        (0.0, 255.0)
        >>> check_range("snr_db", (20, 10))
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `snr_db`: expected a pair ... Received: snr_db=(20, 10)
    """
    order = "low <= high" if allow_equal else "low < high"
    bounds = ""
    if low is not None or high is not None:
        bounds = ", each " + _interval_text(low, high, True, True)
    expected = f"a pair (low, high) of finite floats with {order}{bounds}"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise invalid_value(name, expected, value)
    pair = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise invalid_value(name, expected, value)
        number = float(item)
        if not math.isfinite(number):
            raise invalid_value(name, expected, value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise invalid_value(name, expected, value)
        pair.append(number)
    if pair[0] > pair[1] or (not allow_equal and pair[0] == pair[1]):
        raise invalid_value(name, expected, value)
    return pair[0], pair[1]


def check_axes(name: str, value: Any) -> tuple[int, ...] | None:
    """Returns axes as a tuple of ints (an int counts as one axis); None stays None.

    Examples:
        >>> check_axes("shared_axes", -1)
        (-1,)
        >>> check_axes("shared_axes", "x")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `shared_axes`: expected None, an int ... shared_axes='x'
    """
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)) or not value:
        raise invalid_value(name, "None, an int or a non-empty sequence of ints", value)
    return tuple(check_int(name, axis) for axis in value)


def check_known_names(name: str, value: Any, known: Iterable[str], what: str) -> None:
    """Raises the shared error unless every name in `value` is one of `known` (all listed).

    Examples:
        >>> check_known_names("attacks", ["fgsm", "cw"], ("fgsm", "pgd"), "attacks")
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `attacks`: ...(unknown: 'cw')...
    """
    options = tuple(known)
    unknown = [item for item in value if item not in options]
    if unknown:
        raise invalid_value(
            name,
            f"names of known {what}: "
            + ", ".join(repr(option) for option in options)
            + f" (unknown: {', '.join(repr(item) for item in unknown)})",
            value,
        )


def check_seed(value: Any) -> int | None:
    """Returns the seed after checking it is None or a non-negative integer.

    Examples:
        >>> check_seed(None) is None
        True
        >>> check_seed(-3)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `seed`: expected None or an integer >= 0. Received: seed=-3
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise invalid_value("seed", "None or an integer >= 0", value)
    return int(value)


def check_rank(
    layer_name: str, shape: Sequence[int | None], ranks: Iterable[int], what: str
) -> None:
    """Raises a ValueError naming the layer and the received shape unless `len(shape)` is allowed.

    Args:
        layer_name: the layer's name, for the message.
        shape: the received shape.
        ranks: the allowed ranks.
        what: what the ranks mean, e.g. "(batch, height, width, channels)".

    Examples:
        >>> check_rank("cutout", (32, 32), (3, 4), "images (height, width, channels)")
        Traceback (most recent call last):
        ...
        ValueError: Invalid input shape for layer 'cutout': expected rank 3 or 4, ... shape=(32, 32)
    """
    allowed = tuple(ranks)
    if len(shape) not in allowed:
        rank_text = " or ".join(str(r) for r in allowed)
        raise ValueError(
            f"Invalid input shape for layer '{layer_name}': expected rank {rank_text}, for {what}. "
            f"Received: shape={tuple(shape)}"
        )
