"""Jitter against Keras' GaussianNoise and the raw `x + tf.random.normal(...) * s` floor."""

from __future__ import annotations

import keras
import tensorflow as tf

import keras_noise as kn
from benchmarks.common import (
    dataset_candidate,
    function_candidate,
    on_images,
    random_batch,
    small_data,
    small_data_epoch_candidate,
)
from benchmarks.harness import Group, Target

STDDEV = 0.1


def _raw_noise(x):
    return x + tf.random.normal(tf.shape(x)) * STDDEV


def _tf_data_group(shape, batches) -> Group:
    x = random_batch(shape)
    jitter = kn.layers.Jitter(stddev=STDDEV, seed=0)
    gaussian = keras.layers.GaussianNoise(STDDEV, seed=0)
    common = {"batches": batches, "items_per_batch": shape[0]}
    return Group(
        name=f"tf.data map, batch {shape}",
        unit="examples",
        candidates=[
            dataset_candidate("kn.Jitter", x, jitter, **common),
            dataset_candidate(
                "keras GaussianNoise", x, lambda t: gaussian(t, training=True), **common
            ),
            dataset_candidate("raw x + tf.random.normal", x, _raw_noise, **common),
        ],
        targets=[
            Target("kn.Jitter", "keras GaussianNoise", 1.0, "Jitter >= 1.0x GaussianNoise"),
            Target("kn.Jitter", "raw x + tf.random.normal", 1.1, "Jitter within 1.1x of raw"),
        ],
    )


def _function_group(shape, calls) -> Group:
    x = random_batch(shape)
    jitter = kn.layers.Jitter(stddev=STDDEV, seed=0)
    gaussian = keras.layers.GaussianNoise(STDDEV, seed=0)
    common = {"calls": calls, "items_per_call": shape[0]}
    return Group(
        name=f"tf.function, training=True, batch {shape}",
        unit="examples",
        candidates=[
            function_candidate(
                "kn.Jitter XLA", lambda t: jitter(t, training=True), x, jit_compile=True, **common
            ),
            function_candidate(
                "kn.Jitter", lambda t: jitter(t, training=True), x, jit_compile=False, **common
            ),
            function_candidate(
                "keras GaussianNoise XLA",
                lambda t: gaussian(t, training=True),
                x,
                jit_compile=True,
                **common,
            ),
            function_candidate(
                "keras GaussianNoise",
                lambda t: gaussian(t, training=True),
                x,
                jit_compile=False,
                **common,
            ),
        ],
        targets=[
            Target("kn.Jitter XLA", "kn.Jitter", 1.2, "Jitter XLA within 1.2x of Jitter graph"),
        ],
    )


def _epoch_group(quick: bool) -> Group:
    data = small_data(quick)
    jitter = kn.layers.Jitter(stddev=STDDEV, seed=0)
    gaussian = keras.layers.GaussianNoise(STDDEV, seed=0)
    return Group(
        name="small-data epoch, new iterator, 1,536 images 32x32x3, batch 64",
        unit="images",
        candidates=[
            small_data_epoch_candidate("kn.Jitter", data, jitter),
            small_data_epoch_candidate(
                "keras GaussianNoise", data, on_images(gaussian, training=True)
            ),
            small_data_epoch_candidate("no noise", data, None),
        ],
        targets=[Target("kn.Jitter", "keras GaussianNoise", 1.0, "epoch <= 1.0x GaussianNoise")],
    )


def groups(quick: bool) -> list[Group]:
    if quick:
        return [
            _tf_data_group((8, 16, 16, 3), 4),
            _function_group((256, 16), 4),
            _epoch_group(quick),
        ]
    return [
        _epoch_group(quick),
        _tf_data_group((128, 64, 64, 3), 20),
        _tf_data_group((4096, 64), 50),
        _function_group((128, 64, 64, 3), 10),
        _function_group((4096, 64), 50),
    ]
