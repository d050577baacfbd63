"""NoiseScheduler selection (issue #12, item 7): the default leaves AdversarialModel's epsilon
alone; a container mapped over a dataset can be selected and stands for its noise layers."""

import keras
import numpy as np
import pytest

import keras_noise as kn
from keras_noise.callbacks import NoiseScheduler


def _adversarial():
    inner = keras.Sequential(
        [keras.Input((4,)), kn.layers.Jitter(0.0, name="jitter"), keras.layers.Dense(2)]
    )
    model = kn.adversarial.AdversarialModel(inner, epsilon=0.05, seed=0, name="adversarial")
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_default_selection_moves_noise_layers_but_not_adversarial_epsilon():
    model = _adversarial()
    scheduler = NoiseScheduler(kn.schedules.Constant(0.3))
    history = model.fit(
        np.zeros((8, 4), "float32"),
        np.zeros(8, "int32"),
        epochs=1,
        verbose=0,
        callbacks=[scheduler],
    )
    assert [a.key for a in scheduler.assignments] == ["jitter/stddev"]
    assert history.history["jitter/stddev"] == [pytest.approx(0.3)]
    assert float(model.strength.numpy()) == pytest.approx(0.05), "epsilon is not scheduled"
    by_class = NoiseScheduler(kn.schedules.Constant(0.1), layers=kn.adversarial.AdversarialModel)
    assert [a.key for a in by_class.resolve(model)] == ["adversarial/epsilon"]


def test_a_container_selects_its_noise_layers():
    aug = keras.Sequential(
        [kn.layers.Jitter(0.1, name="j"), kn.layers.Cutout(size_fraction=0.5, name="c")], name="aug"
    )
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    scheduler = NoiseScheduler(kn.schedules.Constant(0.5), layers=[aug])
    keys = sorted(a.key for a in scheduler.resolve(model))
    assert keys == ["c/probability", "j/stddev"]
    scheduler._assign(0, "epoch")
    assert float(aug.layers[0].strength.numpy()) == 0.5
    assert float(aug.layers[1].strength.numpy()) == 0.5
    with pytest.raises(
        ValueError, match=r"'dense.*' \(Dense\) is not a noise component.*holds none"
    ):
        NoiseScheduler(kn.schedules.Constant(0.1), layers=[keras.layers.Dense(2)])
