"""Successive halving in `kn.tuning.sweep(budget="halving")`, and `corruption=`."""

import math

import numpy as np
import pytest
import tensorflow as tf
from tuning_tasks import NUM_CLASSES, TRAIN, VAL, Recorder, jitter_mlp

import keras_noise as kn
from keras_noise.tuning.halving import full_plan, halving_plan, plan_cost


@pytest.mark.parametrize("num_values", range(1, 17))
def test_halving_plan_halves_the_values_and_doubles_the_epochs(num_values):
    plan = halving_plan(num_values, 64)
    assert plan[0].num_values == num_values and plan[-1].num_values == 1
    assert plan[-1].epochs == 64
    for before, after in zip(plan, plan[1:], strict=False):
        assert after.num_values == math.ceil(before.num_values / 2)
        assert after.epochs == 2 * before.epochs
    if num_values >= 4:  # the budget successive halving exists for
        assert plan_cost(plan) <= plan_cost(full_plan(num_values, 64)) / 2


def test_halving_plan_trains_at_least_one_epoch_per_rung():
    assert [(r.num_values, r.epochs) for r in halving_plan(8, 2)] == [
        (8, 1),
        (4, 1),
        (2, 1),
        (1, 2),
    ]


def test_halving_drops_the_worse_half_and_continues_the_survivors():
    recorder = Recorder()
    result = kn.tuning.sweep(
        jitter_mlp,
        TRAIN,
        VAL,
        values=[0.0, 0.2, 100.0, 200.0],
        epochs=4,
        budget="halving",
        callbacks=[recorder],
        verbose=0,
    )
    epochs = {r["value"]: r["epochs"] for r in result.results}
    # Rungs: 4 values to epoch 1, the better 2 to epoch 2, the last one to epoch 4.
    assert epochs[100.0] == epochs[200.0] == 1
    assert sorted([epochs[0.0], epochs[0.2]]) == [2, 4]
    assert result.best_value == max((0.0, 0.2), key=lambda v: epochs[v])
    assert result.epochs_spent == 4 * 1 + 2 * 1 + 1 * 2 == 8
    assert result.epochs_full == 16
    # Survivors continue where they stopped: their optimizer has run one epoch when rung 2
    # starts, and two when rung 3 starts.
    steps_per_epoch = math.ceil(len(TRAIN[1]) / 32)
    assert [b["iterations"] for b in recorder.begins] == [0, 0, 0, 0] + [
        steps_per_epoch,
        steps_per_epoch,
        2 * steps_per_epoch,
    ]
    assert "budget 'halving'" in result.summary() and "50% of a full sweep's 16" in result.summary()


def _zero_images(calls):
    def corrupt(images, name, severity, *, seed=None):
        calls.append((np.shape(images), name, severity, seed))
        return np.zeros_like(images)

    return corrupt


@pytest.mark.parametrize("as_dataset", [False, True])
def test_corruption_scores_the_metric_on_validation_inputs_from_robustness_corrupt(
    monkeypatch, as_dataset
):
    # `kn.robustness.corrupt(images, name, severity, seed=...)` comes from another branch; this
    # stand-in blanks the images, so a model can only predict one class on them.
    calls = []
    monkeypatch.setattr(kn.robustness, "corrupt", _zero_images(calls), raising=False)
    validation = tf.data.Dataset.from_tensor_slices(VAL).batch(40) if as_dataset else VAL
    result = kn.tuning.sweep(
        jitter_mlp,
        TRAIN,
        validation,
        values=[0.0, 0.3],
        epochs=3,
        corruption=("gaussian_noise", 3),
        verbose=0,
    )
    assert calls == [((len(VAL[1]), 6), "gaussian_noise", 3, 0)]
    # Blank inputs: every prediction is one class, a quarter of the balanced validation set.
    assert [r["mean"] for r in result.results] == pytest.approx([1 / NUM_CLASSES] * 2)
    assert result.corruption == ["gaussian_noise", 3]
    assert "corrupted by gaussian_noise (severity 3)" in result.summary()


def test_corrupt_validation_uses_the_real_robustness_suite():
    """Without a stand-in: validation images go through `kn.robustness.corrupt` itself."""
    from keras_noise.tuning.data import corrupt_validation

    images = np.random.default_rng(0).uniform(0, 1, (6, 8, 8, 1)).astype("float32")
    labels = np.arange(6) % 3
    corrupted, kept_labels = corrupt_validation((images, labels), ("gaussian_noise", 5), seed=0)
    expected = kn.robustness.corrupt(images, "gaussian_noise", 5, seed=0)
    np.testing.assert_array_equal(np.asarray(corrupted), np.asarray(expected))
    np.testing.assert_array_equal(kept_labels, labels)
    assert np.abs(np.asarray(corrupted) - images).mean() > 0.05  # severity 5 changes the pixels
