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
