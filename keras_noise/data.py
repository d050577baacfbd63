"""Reproducible noise in parallel `tf.data` pipelines: `map` with per-element keys.

The reproducibility rule of keras-noise:

* **Layers and models** (eager, `tf.function`, XLA, `fit`): the same layer config, name and
  ``seed=`` draw the same noise, call after call, in a fresh process too.
* **A plain ``ds.map(layer)``**: each call takes the next seed of the layer's atomic counter.
  Every element gets its own noise (never a repeat), but *which* element gets which seed is
  reproducible only when the map runs one element at a time in order (no
  ``num_parallel_calls``). With ``num_parallel_calls=AUTOTUNE`` the threads take seeds in the
  order they run, so two runs give the same multiset of draws, not the same noise per element.
* **`keras_noise.data.map(ds, layer, seed=...)`**: each element's noise is a pure function of
  ``seed``, the element's position, the epoch (each new iterator of the dataset) and the layer's
  stream (its seed and name). It is bit-for-bit reproducible across runs and processes under
  any ``num_parallel_calls``; with ``deterministic=False`` the *order* of the output may vary,
  but each element still carries the same noise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from keras_noise._validation import check_seed, invalid_type, invalid_value
from keras_noise.ops.random import derive_key, element_key_scope

__all__ = ["element_key", "map"]

_KEY_LABEL = "keras_noise.data.map"


def element_key(seed: int, draw: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
    """The key of one element: a seed of shape `(2,)` from the pipeline seed and its position.

    Args:
        seed: the pipeline's int seed.
        draw: an int64 scalar that changes with the epoch (a `tf.data.Dataset.random` draw
            re-randomized on each iteration of the dataset).
        index: the element's int64 position in the epoch.

    Returns:
        An int64 tensor of shape `(2,)`; every `NoiseSeedGenerator.next()` traced under
        `element_key_scope(key)` derives its seed from it. More inputs (a `tf.data` service
        worker id...) can be folded in with `keras_noise.ops.random.fold_in`.
    """
    word = tf.bitwise.bitwise_xor(
        tf.cast(draw, tf.int64), tf.constant(derive_key(seed, _KEY_LABEL), tf.int64)
    )
    return tf.stack([word, tf.cast(index, tf.int64)])


def map(  # noqa: A001 - mirrors `tf.data.Dataset.map`, as `kn.data.map`.
    dataset: tf.data.Dataset,
    function: Callable[..., Any],
    *,
    seed: int,
    num_parallel_calls: int | None = None,
    deterministic: bool | None = None,
) -> tf.data.Dataset:
    """`dataset.map(function)` with noise that is reproducible per element, in parallel too.

    Each element is paired with its position in the epoch and with a per-epoch random draw of a
    `tf.data.Dataset.random(seed, rerandomize_each_iteration=True)`; while `function` is traced,
    every keras-noise seed generator it uses derives its seeds from that element key, its own
    stream (layer seed and name) and how many seeds it already drew for the element, instead of
    taking the next value of its atomic counter. So the noise of element `i` in epoch `e` is the
    same in every run, whatever thread computes it, and a new epoch (a new iterator, as `fit`
    makes) draws new noise. See the module docstring for the full reproducibility rule.

    Args:
        dataset: the `tf.data.Dataset` to map.
        function: a keras-noise layer (or any callable using them), called as `Dataset.map`
            calls it: with the element's components as arguments when the element is a tuple.
        seed: an int >= 0: the pipeline's seed.
        num_parallel_calls: as in `Dataset.map` (e.g. `tf.data.AUTOTUNE`).
        deterministic: as in `Dataset.map`; the noise per element is reproducible either way,
            the output order only when it is True or None (the default, deterministic).

    Returns:
        The mapped dataset.

    Example:
    >>> import numpy as np, tensorflow as tf, keras_noise as kn
    >>> ds = tf.data.Dataset.from_tensor_slices(np.zeros((6, 3), "float32")).batch(2)
    >>> def run():
    ...     jitter = kn.layers.Jitter(stddev=1.0, seed=1, name="jitter")
    ...     mapped = kn.data.map(ds, jitter, seed=5, num_parallel_calls=tf.data.AUTOTUNE)
    ...     return np.concatenate(list(mapped.as_numpy_iterator()))
    >>> bool(np.array_equal(run(), run()))
    True
    """
    seed = check_seed(seed)
    if seed is None:
        raise invalid_value("seed", "an integer >= 0 (the pipeline's seed)", seed)
    if not isinstance(dataset, tf.data.Dataset):
        raise invalid_type("dataset", "a tf.data.Dataset", dataset)
    if not callable(function):
        raise invalid_type("function", "a keras-noise layer or another callable", function)

    draws = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    keyed = tf.data.Dataset.zip((draws, tf.data.Dataset.counter(), dataset))

    def keyed_call(draw, index, element):
        with element_key_scope(element_key(seed, draw, index)):
            return function(*element) if isinstance(element, tuple) else function(element)

    return keyed.map(keyed_call, num_parallel_calls=num_parallel_calls, deterministic=deterministic)
