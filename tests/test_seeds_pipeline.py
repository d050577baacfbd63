"""`kn.data.map`: per-element keyed noise, bit-for-bit reproducible under parallel maps."""

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn

N, WIDTH = 96, 16


def _data():
    ids = np.arange(N, dtype="int64")
    return tf.data.Dataset.from_tensor_slices((ids, np.zeros((N, WIDTH), "float32")))


def _pipeline(deterministic=None):
    jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
    speckle = kn.layers.MultiplicativeNoise(stddev=1.0, seed=5, name="speckle")

    def augment(ids, x):
        return ids, jitter(x), speckle(x + 1.0) - 1.0

    mapped = kn.data.map(
        _data().batch(4),
        augment,
        seed=11,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )
    return mapped, (jitter, speckle)


def _epoch(dataset):
    ids, a, b = (np.concatenate(part) for part in zip(*dataset.as_numpy_iterator(), strict=True))
    return ids, a, b


def test_two_fresh_builds_give_the_same_noise_under_autotune():
    first, _ = _pipeline()
    second, _ = _pipeline()
    for got, want in zip(_epoch(first), _epoch(second), strict=True):
        np.testing.assert_array_equal(got, want)


def test_every_element_and_every_layer_draws_its_own_noise():
    dataset, (jitter, _) = _pipeline()
    state = jitter.seed_generator.state.numpy()
    ids, a, b = _epoch(dataset)
    np.testing.assert_array_equal(ids, np.arange(N))
    assert len({row.tobytes() for row in a}) == N  # no element repeats another's noise
    assert abs(np.std(a) - 1.0) < 0.1 and abs(np.std(b) - 1.0) < 0.1
    # Two layers given one seed: independent (|r| < 5 / sqrt(n) for independent normals).
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 5 / np.sqrt(a.size)
    # The atomic counter was neither read nor advanced.
    np.testing.assert_array_equal(jitter.seed_generator.state.numpy(), state)


def test_each_epoch_draws_new_noise_and_epochs_reproduce():
    first, _ = _pipeline()
    second, _ = _pipeline()
    epochs_a = [_epoch(first)[1] for _ in range(2)]
    epochs_b = [_epoch(second)[1] for _ in range(2)]
    assert not np.array_equal(epochs_a[0], epochs_a[1])
    for got, want in zip(epochs_a, epochs_b, strict=True):
        np.testing.assert_array_equal(got, want)


def test_non_deterministic_order_keeps_each_elements_noise():
    ids_a, a, _ = _epoch(_pipeline(deterministic=False)[0])
    ids_b, b, _ = _epoch(_pipeline()[0])
    np.testing.assert_array_equal(a[np.argsort(ids_a)], b[np.argsort(ids_b)])


def test_the_pipeline_seed_changes_the_noise():
    jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
    data = tf.data.Dataset.from_tensor_slices(np.zeros((8, WIDTH), "float32"))
    a = np.stack(list(kn.data.map(data, jitter, seed=1).as_numpy_iterator()))
    b = np.stack(list(kn.data.map(data, jitter, seed=2).as_numpy_iterator()))
    assert not np.array_equal(a, b)


_FRESH = """
import hashlib, numpy as np, tensorflow as tf, keras_noise as kn
jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
data = tf.data.Dataset.from_tensor_slices(np.zeros((64, 16), "float32")).batch(8)
mapped = kn.data.map(data, jitter, seed=3, num_parallel_calls=tf.data.AUTOTUNE)
print(hashlib.sha256(np.concatenate(list(mapped.as_numpy_iterator())).tobytes()).hexdigest())
"""


def test_a_fresh_process_reproduces_the_pipeline():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    run = subprocess.run(
        [sys.executable, "-c", _FRESH], capture_output=True, text=True, env=env, check=True
    )
    jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
    data = tf.data.Dataset.from_tensor_slices(np.zeros((64, 16), "float32")).batch(8)
    mapped = kn.data.map(data, jitter, seed=3, num_parallel_calls=tf.data.AUTOTUNE)
    here = hashlib.sha256(np.concatenate(list(mapped.as_numpy_iterator())).tobytes()).hexdigest()
    assert run.stdout.strip().splitlines()[-1] == here


def test_bad_arguments_are_named():
    data = tf.data.Dataset.range(3)
    with pytest.raises(ValueError, match="Invalid value for `seed`: expected an integer >= 0"):
        kn.data.map(data, lambda x: x, seed=None)
    with pytest.raises(ValueError, match="Invalid value for `seed`"):
        kn.data.map(data, lambda x: x, seed=-1)
    with pytest.raises(TypeError, match="Invalid type for `dataset`: expected a tf.data.Dataset"):
        kn.data.map([1, 2], lambda x: x, seed=0)
    with pytest.raises(TypeError, match="Invalid type for `function`"):
        kn.data.map(data, 3, seed=0)


def test_the_global_seed_does_not_change_the_noise():
    def one_epoch():
        jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
        data = tf.data.Dataset.from_tensor_slices(np.zeros((8, WIDTH), "float32"))
        return np.stack(list(kn.data.map(data, jitter, seed=1).as_numpy_iterator()))

    tf.random.set_seed(1)
    first = one_epoch()
    tf.random.set_seed(2)
    np.testing.assert_array_equal(one_epoch(), first)


def test_the_mapped_dataset_keeps_its_length():
    data = tf.data.Dataset.from_tensor_slices(np.zeros((10, WIDTH), "float32")).batch(4)
    jitter = kn.layers.Jitter(stddev=1.0, seed=5, name="jitter")
    assert len(kn.data.map(data, jitter, seed=1)) == 3
    endless = kn.data.map(data.repeat(), jitter, seed=1)
    assert endless.cardinality().numpy() == tf.data.INFINITE_CARDINALITY
    unknown = kn.data.map(data.filter(lambda x: True), jitter, seed=1)
    assert unknown.cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
