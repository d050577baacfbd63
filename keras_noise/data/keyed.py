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
* **On the `tf.data` service** (`keras_noise.data.distribute`): every element draws its own
  noise on every worker, but which element gets which noise is not reproducible (see
  `keras_noise.data.service`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from keras_noise._validation import check_seed, invalid_type, invalid_value
from keras_noise.ops.random import derive_key, element_key_scope, fold_in

__all__ = ["element_key", "map"]

_KEY_LABEL = "keras_noise.data.map"
#: The name scope of the element keys in a keyed map's graph (`keras_noise.data.distribute`
#: finds keyed maps by it: their epoch counter would be frozen on tf.data service workers).
KEY_SCOPE = "keras_noise_data_map_key"


def element_key(seed: int, epoch: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
    """The key of one element: a seed of shape `(2,)` from the pipeline seed and its position.

    Args:
        seed: the pipeline's int seed.
        epoch: the int64 number of the epoch: how many iterators of the mapped dataset were
            made before this one (0 for the first; `fit` makes one per epoch).
        index: the element's int64 position in the epoch.

    Returns:
        An int64 tensor of shape `(2,)`; every `NoiseSeedGenerator.next()` traced under
        `element_key_scope(key)` derives its seed from it. More inputs (a shard index...) can
        be folded in with `keras_noise.ops.random.fold_in`.

    Examples:
        >>> a = element_key(3, tf.constant(0, tf.int64), tf.constant(7, tf.int64))
        >>> b = element_key(3, tf.constant(1, tf.int64), tf.constant(7, tf.int64))
        >>> bool(tf.reduce_all(a == b))
        False
    """
    pipeline = tf.stack(
        [tf.constant(derive_key(seed, _KEY_LABEL), tf.int64), tf.cast(epoch, tf.int64)]
    )
    return fold_in(pipeline, index)


def _epoch_numbers() -> tf.data.Dataset:
    """An endless dataset repeating the number of iterators made of it before this one.

    The number lives in an int64 variable of the dataset's own, read and incremented once when
    an iterator starts (the first `map` of a one-element dataset runs once per iterator), so the
    epochs of a pipeline are numbered 0, 1, 2... in every process, whatever the global seed.
    """
    with tf.init_scope():
        counter = tf.Variable(tf.constant(0, tf.int64), trainable=False, name="kn_data_epoch")

    def start_epoch(_):
        return counter.assign_add(1) - 1

    start = tf.data.Dataset.from_tensors(tf.constant(0, tf.int64)).map(start_epoch)
    return start.flat_map(lambda epoch: tf.data.Dataset.from_tensors(epoch).repeat())


def map(  # noqa: A001 - mirrors `tf.data.Dataset.map`, as `kn.data.map`.
    dataset: tf.data.Dataset,
    function: Callable[..., Any],
    *,
    seed: int,
    num_parallel_calls: int | None = None,
    deterministic: bool | None = None,
) -> tf.data.Dataset:
    """`dataset.map(function)` with noise that is reproducible per element, in parallel too.

    Each element is paired with its position in the epoch and with the epoch's number (how many
    iterators of the mapped dataset were made before; `fit` makes one per epoch, so does each
    `for` loop over the dataset); while `function` is traced,
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

    Examples:
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

    keyed = tf.data.Dataset.zip((_epoch_numbers(), tf.data.Dataset.counter(), dataset))

    def keyed_call(epoch, index, element):
        with tf.name_scope(KEY_SCOPE):
            key = element_key(seed, epoch, index)
        with element_key_scope(key):
            return function(*element) if isinstance(element, tuple) else function(element)

    mapped = keyed.map(
        keyed_call, num_parallel_calls=num_parallel_calls, deterministic=deterministic
    )
    # The endless epoch numbers hide the length from `zip`; `fit`'s progress bar and `len()`
    # need it, so it is asserted back when `dataset` knows it (finite or infinite).
    cardinality = tf.get_static_value(dataset.cardinality())
    if cardinality is not None and cardinality != tf.data.UNKNOWN_CARDINALITY:
        mapped = mapped.apply(tf.data.experimental.assert_cardinality(cardinality))
    return mapped
