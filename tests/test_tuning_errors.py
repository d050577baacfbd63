"""`kn.tuning.sweep` refuses bad input with a clear message, before any training."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn

X = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
Y = (X[:, 0] > 0).astype("int32")
DATA = (X, Y)


class Fits(keras.callbacks.Callback):
    """Counts the `fit` calls that started (the tests expect none)."""

    started = 0

    def on_train_begin(self, logs=None):
        Fits.started += 1


def build(*, noise=True, compiled=True):
    layers = [kn.layers.Jitter(stddev=0.0, name="jitter")] if noise else []
    model = keras.Sequential(
        [keras.Input((3,)), *layers, keras.layers.Dense(2, activation="softmax", name="head")]
    )
    if compiled:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def refused(message, *, build_model=build, train=DATA, validation=DATA, **kwargs):
    Fits.started = 0
    arguments = {"values": [0.0, 0.1], "epochs": 1, "verbose": 0, **kwargs}
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        kn.tuning.sweep(build_model, train, validation, callbacks=[Fits()], **arguments)
    assert Fits.started == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "Invalid value for `values`: expected a non-empty sequence of distinct finite"),
        (0.1, "Invalid value for `values`: expected a non-empty sequence"),
        (["a", 0.1], "'a' is not a number. Received: values=['a', 0.1]"),
        ([0.1, float("nan")], "nan is not finite"),
        ([True], "True is not a number"),
        ([0.1, 0.1], "some values repeat. Received: values=[0.1, 0.1]"),
    ],
)
def test_bad_values(values, message):
    refused(message, values=values)


def test_a_value_outside_a_selected_layers_range_gets_the_layers_own_message():
    refused(
        "Invalid value for `jitter.stddev`: expected a float >= 0. Received: jitter.stddev=-0.5",
        values=[0.0, -0.5],
    )


def test_the_range_check_leaves_the_strength_as_it_was():
    model = build()
    model.layers[0].set_strength(0.05)
    with pytest.raises(ValueError, match="jitter.stddev"):
        kn.tuning.sweep(lambda: model, DATA, DATA, values=[0.3, -1.0], epochs=1, verbose=0)
    assert float(model.layers[0].strength.numpy()) == pytest.approx(0.05)


def test_layers_that_select_nothing():
    refused("no layer or optimizer named 'nope' in model", layers="nope")
    refused("no noise component of class Cutout", layers=kn.layers.Cutout)
    refused("'head' (Dense) is not a noise component", layers="head")


def test_model_without_noise_components():
    refused(
        "Invalid value for `build_model`: expected a model that holds noise components, but "
        "model 'sequential",
        build_model=lambda: build(noise=False),
    )


def test_uncompiled_model():
    refused("is not compiled: call model.compile(", build_model=lambda: build(compiled=False))


def test_build_model_that_returns_no_model_or_is_not_callable():
    refused("Invalid type for `build_model`", build_model=lambda: "model")
    refused("Invalid type for `build_model`", build_model=build())


def test_build_model_that_returns_the_same_model_for_every_seed():
    model = build()
    refused("builds a new model on each call", build_model=lambda: model, seeds=(0, 1))


def test_an_in_model_instance_cannot_be_selected_across_seeds():
    first = build()
    models = iter([first, build()])
    refused(
        "names or classes for components inside the model",
        build_model=lambda: next(models),
        seeds=(0, 1),
        layers=[first.layers[0]],
    )


def test_a_metric_fit_does_not_log():
    refused(
        "Invalid value for `metric`: expected a metric that `fit` logs for this model: "
        "'accuracy', 'loss', 'val_accuracy', 'val_loss'. Received: metric='val_auc'",
        metric="val_auc",
    )


def test_a_loss_needs_mode_min():
    refused("Invalid value for `mode`: expected 'min' for metric='val_loss'", metric="val_loss")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "Invalid value for `epochs`: expected an integer >= 1"),
        ({"seeds": ()}, "Invalid value for `seeds`"),
        ({"seeds": (0, 0)}, "Invalid value for `seeds`: expected a non-empty sequence of distinct"),
        ({"seeds": (-1,)}, "Invalid value for `seeds`"),
        ({"mode": "best"}, "Invalid value for `mode`: expected one of 'max', 'min'"),
        ({"budget": "hyperband"}, "Invalid value for `budget`: expected one of 'full', 'halving'"),
        ({"verbose": 3}, "Invalid value for `verbose`"),
        ({"corruption": "gaussian_noise"}, "Invalid value for `corruption`: expected None or a"),
        ({"corruption": ("gaussian_noise",)}, "Invalid value for `corruption`"),
        ({"fit_kwargs": {"epochs": 3}}, "not allowed: 'epochs'"),
        ({"train": "data"}, "Invalid value for `train_data`: expected a tf.data.Dataset"),
        ({"validation": (X,)}, "Invalid value for `validation_data`"),
    ],
)
def test_bad_arguments(kwargs, message):
    refused(message, **kwargs)


def test_a_noise_scheduler_that_moves_a_swept_strength():
    Fits.started = 0
    scheduler = kn.callbacks.NoiseScheduler(kn.schedules.Linear(0.0, 0.2, duration=2))
    with pytest.raises(ValueError, match="also moves 'jitter/stddev', which the sweep sets"):
        kn.tuning.sweep(
            build, DATA, DATA, values=[0.0], epochs=1, callbacks=[scheduler, Fits()], verbose=0
        )
    assert Fits.started == 0


def test_corruption_with_a_dataset_of_dicts_is_refused():
    ds = tf.data.Dataset.from_tensor_slices(({"x": X}, Y)).batch(8)
    refused("with one input tensor when `corruption` is given", validation=ds, corruption=("a", 1))
