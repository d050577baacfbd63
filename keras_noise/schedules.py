"""Strength schedules: the value of a noise strength as a function of the epoch or the step.

A schedule is a serializable callable ``schedule(t) -> float``; `t` counts epochs or optimizer
steps, as chosen by the `keras_noise.callbacks.NoiseScheduler` that evaluates it. Schedules are
plain Python arithmetic, evaluated on the host once per epoch or step; the callback assigns the
result to the strength variables, so traced train functions never retrace.

They follow the conventions of Keras' `LearningRateSchedule`s: every class is registered with
`keras.saving`, `get_config()` returns every constructor argument and `from_config(config)`
rebuilds the schedule, so `keras.saving.serialize_keras_object` / `deserialize_keras_object`
round-trip them (nested schedules included).

Schedules do not restrict their values: a schedule that produces a value the component does not
accept (a negative standard deviation, NaN) fails at the first assignment, with an error naming
the component and the value.

Examples:
    >>> from keras_noise import schedules
    >>> warm_then_anneal = schedules.Chain(
    ...     [schedules.Warmup(0.2, hold=2, ramp=2), schedules.Cosine(0.2, 0.0, duration=4)],
    ...     boundaries=[4],
    ... )
    >>> [round(warm_then_anneal(t), 3) for t in range(9)]
    [0.0, 0.0, 0.0, 0.1, 0.2, 0.171, 0.1, 0.029, 0.0]
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

from keras_noise._validation import check_float, invalid_type, invalid_value

__all__ = [
    "Chain",
    "Constant",
    "Cosine",
    "Exponential",
    "Linear",
    "Piecewise",
    "Schedule",
    "Step",
    "Warmup",
    "deserialize",
    "evaluate",
    "serialize",
]


class Schedule:
    """Base class of strength schedules: a serializable callable from epoch or step to a float.

    Subclasses implement `value(t)` and `get_config()`. Calling a schedule checks `t` and returns
    a Python float.

    Call arguments:
        t: the epoch or step index, a real number >= 0.

    Returns:
        The strength at `t`, a Python float.
    """

    def __call__(self, t: float) -> float:
        t = check_float("t", t, low=0.0)
        return float(self.value(t))

    def value(self, t: float) -> float:
        """The schedule's value at `t` (already checked to be a finite float >= 0)."""
        raise NotImplementedError(f"{type(self).__name__} must implement value().")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")

    @classmethod
    def from_config(cls, config: dict) -> Schedule:
        """Rebuilds a schedule from the output of its `get_config()`."""
        return cls(**config)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))


def _duration(name: str, value: Any) -> float:
    return check_float(name, value, low=0.0, low_inclusive=False)


def _fraction_done(t: float, duration: float) -> float:
    return min(t / duration, 1.0)


class _Ramp(Schedule):
    """A move from `start` to `end` over `duration` epochs or steps (`Linear`, `Cosine`)."""

    def __init__(self, start: float, end: float, duration: float):
        self.start = check_float("start", start)
        self.end = check_float("end", end)
        self.duration = _duration("duration", duration)

    def get_config(self) -> dict:
        return {"start": self.start, "end": self.end, "duration": self.duration}


class _Decay(Schedule):
    """`start` times `factor` per `every` epochs or steps (`Exponential`, `Step`)."""

    def __init__(self, start: float, factor: float, every: float):
        self.start = check_float("start", start)
        self.factor = check_float("factor", factor, low=0.0, low_inclusive=False)
        self.every = _duration("every", every)

    def get_config(self) -> dict:
        return {"start": self.start, "factor": self.factor, "every": self.every}


@keras.saving.register_keras_serializable(package="keras_noise")
class Constant(Schedule):
    """The same value at every epoch or step.

    Args:
        value: the strength.

    Examples:
        >>> Constant(0.1)(7)
        0.1
    """

    def __init__(self, value: float):
        self.value_ = check_float("value", value)

    def value(self, t: float) -> float:
        return self.value_

    def get_config(self) -> dict:
        return {"value": self.value_}


@keras.saving.register_keras_serializable(package="keras_noise")
class Linear(_Ramp):
    """Ramps linearly from `start` to `end` over `duration`, then holds `end`.

    Args:
        start: the value at `t = 0`.
        end: the value at `t >= duration`.
        duration: the length of the ramp in epochs or steps, > 0.

    Examples:
        >>> schedule = Linear(0.0, 0.2, duration=4)
        >>> [schedule(t) for t in (0, 2, 4, 9)]
        [0.0, 0.1, 0.2, 0.2]
    """

    def value(self, t: float) -> float:
        return self.start + (self.end - self.start) * _fraction_done(t, self.duration)


@keras.saving.register_keras_serializable(package="keras_noise")
class Cosine(_Ramp):
    """Half-cosine from `start` to `end` over `duration`, then holds `end`.

    The value is ``end + (start - end) * (1 + cos(pi * t / duration)) / 2``: flat at both ends,
    fastest in the middle (Loshchilov & Hutter's annealing without restarts).

    Args:
        start: the value at `t = 0`, as in `Linear`.
        end: the value once the anneal is over, as in `Linear`.
        duration: the number of epochs or steps the anneal takes, > 0.

    Examples:
        >>> schedule = Cosine(0.2, 0.0, duration=10)
        >>> [round(schedule(t), 3) for t in (0, 5, 10, 20)]
        [0.2, 0.1, 0.0, 0.0]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic gradient descent with warm restarts", ICLR 2017.
    """

    def value(self, t: float) -> float:
        weight = 0.5 * (1.0 + math.cos(math.pi * _fraction_done(t, self.duration)))
        return self.end + (self.start - self.end) * weight


@keras.saving.register_keras_serializable(package="keras_noise")
class Exponential(_Decay):
    """Smooth exponential change: ``start * factor ** (t / every)``.

    Args:
        start: the value at `t = 0`.
        factor: the multiplier per `every` epochs or steps, > 0 (< 1 decays, > 1 grows).
        every: the period of one full `factor`, > 0.

    Examples:
        >>> schedule = Exponential(0.4, 0.5, every=2)
        >>> [round(schedule(t), 3) for t in (0, 1, 2, 4)]
        [0.4, 0.283, 0.2, 0.1]
    """

    def __init__(self, start: float, factor: float, *, every: float = 1.0):
        super().__init__(start, factor, every)

    def value(self, t: float) -> float:
        return self.start * self.factor ** (t / self.every)


@keras.saving.register_keras_serializable(package="keras_noise")
class Step(_Decay):
    """Staircase decay: multiplies the value by `factor` every `every` epochs or steps.

    The value is ``start * factor ** floor(t / every)``; the staircase form of `Exponential`.

    Args:
        start: the value for `t < every`.
        factor: the multiplier applied at each step of the staircase, > 0.
        every: the width of one stair, > 0.

    Examples:
        >>> schedule = Step(0.2, 0.5, every=3)
        >>> [schedule(t) for t in (0, 2, 3, 6)]
        [0.2, 0.2, 0.1, 0.05]
    """

    def value(self, t: float) -> float:
        return self.start * self.factor ** math.floor(t / self.every)


def _check_boundaries(name: str, boundaries: Any) -> list[float]:
    expected = "a non-empty list of strictly increasing finite floats > 0"
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, Sequence):
        raise invalid_value(name, expected, boundaries)
    values = [check_float(f"{name}[{i}]", b, low=0.0) for i, b in enumerate(boundaries)]
    if not values or values[0] <= 0 or any(b <= a for a, b in itertools.pairwise(values)):
        raise invalid_value(name, expected, boundaries)
    return values


@keras.saving.register_keras_serializable(package="keras_noise")
class Piecewise(Schedule):
    """Piecewise-constant values between boundaries.

    ``values[0]`` for ``t < boundaries[0]``, ``values[i]`` for
    ``boundaries[i - 1] <= t < boundaries[i]``, and ``values[-1]`` from ``boundaries[-1]`` on.

    Args:
        boundaries: strictly increasing epochs or steps, > 0, where the value changes.
        values: the values, one more than there are boundaries.

    Examples:
        >>> schedule = Piecewise(boundaries=[2, 5], values=[0.0, 0.1, 0.05])
        >>> [schedule(t) for t in (0, 1, 2, 4, 5, 9)]
        [0.0, 0.0, 0.1, 0.1, 0.05, 0.05]
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]):
        self.boundaries = _check_boundaries("boundaries", boundaries)
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise invalid_value("values", "a list of floats", values)
        if len(values) != len(self.boundaries) + 1:
            raise invalid_value(
                "values",
                f"a list of len(boundaries) + 1 = {len(self.boundaries) + 1} floats",
                values,
            )
        self.values = [check_float(f"values[{i}]", v) for i, v in enumerate(values)]

    def value(self, t: float) -> float:
        index = sum(1 for boundary in self.boundaries if t >= boundary)
        return self.values[index]

    def get_config(self) -> dict:
        return {"boundaries": list(self.boundaries), "values": list(self.values)}


@keras.saving.register_keras_serializable(package="keras_noise")
class Warmup(Schedule):
    """Holds 0 for `hold`, then ramps linearly to `value` over `ramp`, then holds `value`.

    Noise that starts only once the model has learned the easy part of the task, as in the
    curriculum used for gradient and weight noise.

    Args:
        value: the final strength.
        hold: how long the strength stays 0, in epochs or steps, >= 0.
        ramp: the length of the linear ramp from 0 to `value`, > 0.

    Examples:
        >>> schedule = Warmup(0.3, hold=2, ramp=3)
        >>> [round(schedule(t), 3) for t in (0, 2, 3, 5, 8)]
        [0.0, 0.0, 0.1, 0.3, 0.3]
    """

    def __init__(self, value: float, *, hold: float = 0.0, ramp: float):
        self.target = check_float("value", value)
        self.hold = check_float("hold", hold, low=0.0)
        self.ramp = _duration("ramp", ramp)

    def value(self, t: float) -> float:
        if t <= self.hold:
            return 0.0
        return self.target * _fraction_done(t - self.hold, self.ramp)

    def get_config(self) -> dict:
        return {"value": self.target, "hold": self.hold, "ramp": self.ramp}


@keras.saving.register_keras_serializable(package="keras_noise")
class Chain(Schedule):
    """Runs schedules one after another: composition such as warm-up then anneal.

    ``schedules[0]`` runs for ``t < boundaries[0]``; ``schedules[i]`` runs from
    ``boundaries[i - 1]`` and sees the time since its own start, ``t - boundaries[i - 1]``.

    Args:
        schedules: the schedules (instances of `Schedule`), one more than there are boundaries.
        boundaries: strictly increasing epochs or steps, > 0, where the next schedule takes over.

    Examples:
        >>> schedule = Chain([Linear(0.0, 0.2, duration=2), Linear(0.2, 0.0, duration=4)],
        ...                  boundaries=[2])
        >>> [round(schedule(t), 3) for t in (0, 1, 2, 4, 6, 9)]
        [0.0, 0.1, 0.2, 0.1, 0.0, 0.0]
    """

    def __init__(self, schedules: Sequence[Schedule | dict], boundaries: Sequence[float]):
        if isinstance(schedules, (str, bytes, dict)) or not isinstance(schedules, Sequence):
            raise invalid_value("schedules", "a list of Schedule instances", schedules)
        parts = [deserialize(s) if isinstance(s, dict) else s for s in schedules]
        for i, part in enumerate(parts):
            if not isinstance(part, Schedule):
                raise invalid_type(f"schedules[{i}]", "a keras_noise.schedules.Schedule", part)
        self.boundaries = _check_boundaries("boundaries", boundaries)
        if len(parts) != len(self.boundaries) + 1:
            raise invalid_value(
                "schedules",
                f"a list of len(boundaries) + 1 = {len(self.boundaries) + 1} schedules",
                parts,
            )
        self.schedules = parts

    def value(self, t: float) -> float:
        index = sum(1 for boundary in self.boundaries if t >= boundary)
        start = self.boundaries[index - 1] if index else 0.0
        return self.schedules[index].value(t - start)

    def get_config(self) -> dict:
        return {
            "schedules": [serialize(s) for s in self.schedules],
            "boundaries": list(self.boundaries),
        }

    def __repr__(self) -> str:
        return f"Chain(schedules={self.schedules!r}, boundaries={self.boundaries!r})"


def serialize(schedule: Schedule | Callable) -> dict:
    """Serializes a schedule (or a registered function) with `keras.saving`."""
    return keras.saving.serialize_keras_object(schedule)


def deserialize(config: dict | Schedule, custom_objects: dict | None = None) -> Schedule:
    """Rebuilds a schedule from `serialize`'s output; a schedule instance passes through."""
    if isinstance(config, Schedule):
        return config
    return keras.saving.deserialize_keras_object(config, custom_objects=custom_objects)


def evaluate(schedule: Callable, t: float) -> Any:
    """Evaluates any schedule-like callable (a `Schedule`, a function, a Keras LR schedule).

    Zero-dimensional arrays and tensors are turned into Python floats; anything else is returned
    unchanged for the caller's validation.
    """
    value = schedule(t)
    if isinstance(value, numbers.Real):
        return value
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # not array-like: the caller's check reports it
        return value
    if array.shape == () and array.dtype.kind in "fiu":
        return float(array)
    return value
