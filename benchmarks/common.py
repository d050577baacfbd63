"""Shared builders for benchmark candidates: `tf.data` pipelines and traced functions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from benchmarks.harness import Candidate


def random_batch(shape, seed: int = 0, dtype: str = "float32") -> tf.Tensor:
    """A fixed random batch (the data is not what is measured)."""
    return tf.constant(np.random.default_rng(seed).uniform(0, 1, size=shape).astype(dtype))


def dataset_candidate(
    label: str, element, map_fn: Callable, *, batches: int, items_per_batch: int
) -> Candidate:
    """Times `batches` batches of a `tf.data` pipeline `from_tensors(element).repeat().map(map_fn)`.

    The pipeline is built once; each run iterates a fresh iterator over it, as `fit` does per epoch.
    """
    dataset = tf.data.Dataset.from_tensors(element).repeat(batches).map(map_fn)

    def run():
        for _ in dataset:
            pass

    return Candidate(label, run, items=batches * items_per_batch)


def function_candidate(
    label: str, fn: Callable, inputs, *, calls: int, items_per_call: int, jit_compile: bool
) -> Candidate:
    """Times `calls` calls of `tf.function(fn, jit_compile=...)` on fixed inputs."""
    traced = tf.function(fn, jit_compile=jit_compile)

    def run():
        for _ in range(calls):
            result = traced(inputs)
        # Block on the last result so asynchronous execution is inside the timing.
        tf.nest.map_structure(lambda t: t.numpy(), result)

    return Candidate(label, run, items=calls * items_per_call)


# A small data set as the issue on small-data epochs states it: 1,536 images of 32x32x3 in
# batches of 64 (24 batches), `map(num_parallel_calls=AUTOTUNE).prefetch(2)`.
SMALL_DATA_IMAGES = 1536
SMALL_DATA_SHAPE = (32, 32, 3)
SMALL_DATA_BATCH = 64
SMALL_DATA_CLASSES = 10


def small_data(quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Images in [0, 1] and one-hot float labels (what Keras' MixUp/CutMix take)."""
    count = 128 if quick else SMALL_DATA_IMAGES
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(count, *SMALL_DATA_SHAPE)).astype("float32")
    labels = np.eye(SMALL_DATA_CLASSES, dtype="float32")[np.arange(count) % SMALL_DATA_CLASSES]
    return images, labels


def small_data_epoch_candidate(
    label: str,
    data: tuple[np.ndarray, np.ndarray],
    batch_fn: Callable | None,
    *,
    example_fn: Callable | None = None,
) -> Candidate:
    """Times one small-data epoch as `fit` runs it: a NEW iterator over the whole data set.

    The pipeline is `from_tensor_slices((x, y))`, then `example_fn` mapped per example (if
    given), `batch(64)`, `batch_fn` mapped per batch (if given), each map with
    `num_parallel_calls=AUTOTUNE`, then `prefetch(2)`. Every run makes a new iterator, as every
    `fit` epoch does, so the set-up cost of the pipeline (TensorFlow instantiating its functions)
    is inside the timing along with the batches.
    """
    dataset = tf.data.Dataset.from_tensor_slices(data)
    if example_fn is not None:
        dataset = dataset.map(example_fn, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.batch(SMALL_DATA_BATCH)
    if batch_fn is not None:
        dataset = dataset.map(batch_fn, num_parallel_calls=tf.data.AUTOTUNE)
    dataset = dataset.prefetch(2)

    def run():
        for _ in dataset:
            pass

    return Candidate(label, run, items=len(data[0]))


def on_images(layer: Callable, **call_kwargs) -> Callable:
    """`(x, y) -> (layer(x, **call_kwargs), y)`: a Keras image layer on an `(x, y)` element."""
    return lambda x, y: (layer(x, **call_kwargs), y)


def on_dict(layer: Callable) -> Callable:
    """`(x, y) -> layer({"images": x, "labels": y})` as `(x, y)`: Keras' MixUp and CutMix."""

    def apply(x, y):
        out = layer({"images": x, "labels": y})
        return out["images"], out["labels"]

    return apply
