import math

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keras_noise import schedules

ALL = [
    schedules.Constant(0.1),
    schedules.Linear(0.0, 0.2, duration=4),
    schedules.Cosine(0.3, 0.05, duration=7),
    schedules.Exponential(0.4, 0.5, every=2),
    schedules.Step(0.2, 0.5, every=3),
    schedules.Piecewise(boundaries=[2, 5], values=[0.0, 0.1, 0.05]),
    schedules.Warmup(0.3, hold=2, ramp=3),
    schedules.Chain(
        [schedules.Warmup(0.2, hold=1, ramp=2), schedules.Cosine(0.2, 0.0, duration=5)],
        boundaries=[3],
    ),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_keras_serialization_round_trip(schedule):
    config = keras.saving.serialize_keras_object(schedule)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    assert restored == schedule
    for t in range(12):
        assert restored(t) == schedule(t)
    # Same convention as Keras' LearningRateSchedules: from_config(get_config()).
    assert type(schedule).from_config(schedule.get_config()) == schedule


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_returns_python_floats(schedule):
    assert all(type(schedule(t)) is float for t in (0, 1, 2.5, 100))


def test_values():
    assert schedules.Linear(1.0, 0.0, duration=4)(1) == 0.75
    assert schedules.Linear(1.0, 0.0, duration=4)(40) == 0.0
    cosine = schedules.Cosine(1.0, 0.0, duration=4)
    assert cosine(0) == 1.0 and cosine(2) == pytest.approx(0.5) and cosine(9) == 0.0
    assert schedules.Exponential(1.0, 0.1)(2) == pytest.approx(0.01)
    assert [schedules.Step(1.0, 0.5, every=2)(t) for t in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    piecewise = schedules.Piecewise([1, 3], [0.3, 0.2, 0.1])
    assert [piecewise(t) for t in range(5)] == [0.3, 0.2, 0.2, 0.1, 0.1]
    warmup = schedules.Warmup(1.0, hold=2, ramp=2)
    assert [warmup(t) for t in range(6)] == [0.0, 0.0, 0.0, 0.5, 1.0, 1.0]
    assert schedules.Warmup(1.0, ramp=4)(1) == 0.25


def test_chain_restarts_time_for_each_part():
    chain = schedules.Chain(
        [schedules.Constant(0.5), schedules.Linear(0.0, 1.0, duration=2), schedules.Constant(0.2)],
        boundaries=[3, 5],
    )
    assert [chain(t) for t in range(7)] == [0.5, 0.5, 0.5, 0.0, 0.5, 0.2, 0.2]


def test_chain_accepts_serialized_parts():
    part = keras.saving.serialize_keras_object(schedules.Constant(0.3))
    chain = schedules.Chain([part, schedules.Constant(0.1)], boundaries=[1])
    assert chain(0) == 0.3 and chain(1) == 0.1


@settings(max_examples=15, deadline=None)
@given(
    start=st.floats(0, 1),
    end=st.floats(0, 1),
    duration=st.floats(0.5, 100),
    t=st.floats(0, 1000),
)
def test_linear_and_cosine_stay_between_their_ends(start, end, duration, t):
    low, high = min(start, end), max(start, end)
    for schedule in (
        schedules.Linear(start, end, duration),
        schedules.Cosine(start, end, duration),
    ):
        value = schedule(t)
        assert low - 1e-12 <= value <= high + 1e-12
        assert schedule(duration + t) == pytest.approx(end)


@settings(max_examples=15, deadline=None)
@given(start=st.floats(0.01, 1), factor=st.floats(0.1, 0.99), every=st.floats(0.5, 10))
def test_step_is_the_staircase_of_exponential(start, factor, every):
    step, exponential = (
        schedules.Step(start, factor, every),
        schedules.Exponential(start, factor, every=every),
    )
    for k in range(4):
        # Mid-stair, away from floor() rounding at the exact boundaries.
        assert step((k + 0.5) * every) == pytest.approx(exponential(k * every))


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: schedules.Linear(0.0, 1.0, duration=0), "`duration`: expected a float > 0"),
        (lambda: schedules.Cosine(0.0, math.nan, duration=2), "`end`: expected a float finite"),
        (lambda: schedules.Constant("0.1"), "`value`: expected a float"),
        (lambda: schedules.Exponential(1.0, 0.0), "`factor`: expected a float > 0"),
        (lambda: schedules.Step(1.0, 0.5, every=-1), "`every`: expected a float > 0"),
        (lambda: schedules.Warmup(0.1, hold=-1, ramp=1), "`hold`: expected a float >= 0"),
        (lambda: schedules.Piecewise([3, 2], [0, 1, 2]), "`boundaries`: expected a non-empty"),
        (lambda: schedules.Piecewise([1, 2], [0, 1]), "`values`: expected a list of len"),
        (
            lambda: schedules.Chain([schedules.Constant(1.0)], boundaries=[1]),
            "`schedules`: expected a list of len",
        ),
        (
            lambda: schedules.Chain([schedules.Constant(1.0), lambda t: t], boundaries=[1]),
            r"`schedules\[1\]`: expected a keras_noise.schedules.Schedule",
        ),
    ],
)
def test_bad_arguments(build, match):
    with pytest.raises((ValueError, TypeError), match=match):
        build()


def test_negative_time_is_rejected():
    with pytest.raises(ValueError, match="`t`: expected a float >= 0. Received: t=-1"):
        schedules.Linear(0.0, 1.0, duration=2)(-1)


def test_schedules_may_produce_values_a_component_rejects():
    # Validation happens at assignment (NoiseScheduler), where the component is known.
    assert schedules.Linear(0.1, -0.1, duration=2)(2) == -0.1


def test_evaluate_converts_zero_dimensional_arrays():
    lr = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    assert schedules.evaluate(lr, 1) == pytest.approx(0.05)
    assert schedules.evaluate(lambda t: np.float32(0.25), 0) == 0.25
    assert schedules.evaluate(lambda t: "x", 0) == "x"
