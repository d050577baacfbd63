"""Noise on the `tf.data` service: `distribute` with per-worker keys and per-epoch strengths.

The `tf.data` service runs a pipeline on worker processes from a copy of its graph, made when
the dataset is registered with the dispatcher. Two things of a plain ``ds.map(layer)`` do not
survive that copy:

* **Seeds.** A layer's seed-generator state is copied with its value at registration, so every
  worker starts from the same state and draws the same noise sequence: in parallel epochs each
  worker repeats the others' noise; in distributed epochs different examples share noise.
* **Strengths.** A strength variable is copied with its value at registration, so assigning it
  later (a `NoiseScheduler`) never reaches the workers.

`distribute` fixes both. Its noise function runs on the workers under a per-element key drawn
from the worker's own entropy (a random op with no seed, `tf.raw_ops.RandomUniformInt` with
``seed=seed2=0``), so every element on every worker draws its own noise; and the pipeline is
registered again each time an iterator is made (`fit` makes one per epoch), so each epoch's job
carries the strengths of that moment.

The reproducibility rule under the service: the noise *distribution* (layers, strengths,
schedules per epoch) is the same as in a local pipeline, but the noise of a given element is
not reproducible, with or without ``seed=``: which worker computes which element, and its key,
are not fixed. For bit-for-bit reproducible noise, run the pipeline locally with
`keras_noise.data.map`.
"""

from __future__ import annotations

import socket
import weakref
from collections.abc import Callable
from typing import Any

import tensorflow as tf

from keras_noise._keras_compat import dataset_graph
from keras_noise._validation import check_choice, invalid_type, invalid_value
from keras_noise.data.keyed import KEY_SCOPE
from keras_noise.ops.random import element_key_scope

__all__ = ["distribute", "is_served"]

PROCESSING_MODES = ("parallel_epochs", "distributed_epoch")
# Ops that read a counter-based random state: copied by value to every worker, they repeat.
_REPEATING_OPS = ("RngReadAndSkip", "RngSkip")
_CONNECT_TIMEOUT_SECONDS = 5.0

# Seed generators whose draws run on service workers (see `is_served`).
_SERVED_GENERATORS: weakref.WeakSet = weakref.WeakSet()


def is_served(component: Any) -> bool:
    """Whether `component` (a noise layer) draws its noise on `tf.data` service workers.

    A component is served once a pipeline passed to `distribute` has called it. Its strength
    reaches the workers only when an iterator is made (each epoch of `fit`), which is why
    `keras_noise.callbacks.NoiseScheduler(per="step")` refuses it.
    """
    generator = getattr(component, "seed_generator", None)
    return generator is not None and generator in _SERVED_GENERATORS


def _worker_key() -> tf.Tensor:
    """A fresh int64 key of shape `(2,)` from the running worker's entropy (no seed)."""
    return tf.raw_ops.RandomUniformInt(
        shape=tf.constant([2], tf.int32),
        minval=tf.constant(tf.int64.min, tf.int64),
        maxval=tf.constant(tf.int64.max, tf.int64),
        seed=0,
        seed2=0,
    )


def _address(service: Any) -> tuple[str, int]:
    """`(host, port)` of a dispatcher address `"grpc://host:port"` or `"host:port"`."""
    if not isinstance(service, str):
        raise invalid_type(
            "service", 'a dispatcher address such as "grpc://localhost:5050"', service
        )
    address = service.split("://", 1)[1] if "://" in service else service
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise invalid_value(
            "service", 'a dispatcher address "grpc://host:port" or "host:port"', service
        )
    return host, int(port)


def _check_reachable(service: str) -> None:
    """Fails at once, rather than after TensorFlow's minutes of retries, if nothing listens."""
    host, port = _address(service)
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT_SECONDS):
            pass
    except OSError as error:
        raise ValueError(
            f"Invalid value for `service`: expected the address of a running tf.data service "
            f"dispatcher, but nothing accepted a connection at {host}:{port} within "
            f"{_CONNECT_TIMEOUT_SECONDS:g} s ({error}). Received: service={service!r}"
        ) from error


def _repeating_draws(dataset: tf.data.Dataset) -> list[str]:
    """What in `dataset`'s graph (functions included) would repeat its noise on every worker.

    That is counter-based random ops, and the keys of a `keras_noise.data.map`, whose epoch
    counter the service's copy freezes.
    """
    graph = dataset_graph(dataset)
    nodes = list(graph.node)
    for function in graph.library.function:
        nodes.extend(function.node_def)
    found = {node.op for node in nodes if node.op in _REPEATING_OPS}
    if any(node.name.startswith(f"{KEY_SCOPE}/") for node in nodes):
        found.add("keras_noise.data.map")
    return sorted(found)


def distribute(
    dataset: tf.data.Dataset,
    function: Callable[..., Any],
    *,
    service: str,
    processing_mode: str = "parallel_epochs",
    num_parallel_calls: int | None = None,
    deterministic: bool | None = None,
) -> tf.data.Dataset:
    """`dataset.map(function)` run on `tf.data` service workers, with distinct noise on each.

    The drop-in for ``dataset.map(function).apply(tf.data.experimental.service.distribute(
    processing_mode, service))`` when `function` uses keras-noise layers: each element's noise
    is keyed by a draw of the worker's own entropy, so no two elements, workers or epochs share
    noise (a plain `ds.map(layer)` repeats on every worker: see the module docstring); and each
    new iterator registers the pipeline again, so strengths assigned between epochs (e.g. by a
    `NoiseScheduler(per="epoch")`) reach the workers. Each iterator reads its own anonymous job.

    Args:
        dataset: the `tf.data.Dataset` to map on the workers. It must not draw noise itself
            (e.g. an earlier plain ``.map(layer)``): put every noise layer in `function`.
        function: a keras-noise layer (or any callable using them), called as `Dataset.map`
            calls it.
        service: the dispatcher's address, ``"grpc://host:port"`` (`DispatchServer.target`) or
            ``"host:port"``.
        processing_mode: "parallel_epochs" (every worker produces the whole dataset) or
            "distributed_epoch" (the dataset's source is split among the workers: each element
            is produced once per epoch).
        num_parallel_calls: as in `Dataset.map`, on each worker.
        deterministic: as in `Dataset.map`, on each worker.

    Returns:
        A dataset reading the mapped elements from the service.

    Raises:
        ValueError: if nothing listens at `service`, if `processing_mode` is unknown, or if
            `dataset` already draws counter-based noise, which would repeat on every worker.

    Examples:
        >>> import numpy as np, tensorflow as tf, keras_noise as kn
        >>> svc = tf.data.experimental.service
        >>> dispatcher = svc.DispatchServer()
        >>> address = dispatcher.target.split("://")[1]
        >>> workers = [svc.WorkerServer(svc.WorkerConfig(address)) for _ in range(2)]
        >>> ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3), "float32"))
        >>> served = kn.data.distribute(ds, kn.layers.Jitter(1.0), service=dispatcher.target)
        >>> rows = [row.tobytes() for row in served.as_numpy_iterator()]
        >>> len(rows), len(set(rows))  # 2 workers x 4 elements, no noise repeated
        (8, 8)
    """
    if not isinstance(dataset, tf.data.Dataset):
        raise invalid_type("dataset", "a tf.data.Dataset", dataset)
    if not callable(function):
        raise invalid_type("function", "a keras-noise layer or another callable", function)
    processing_mode = check_choice("processing_mode", processing_mode, PROCESSING_MODES)
    _check_reachable(service)

    served_generators: list = []

    def keyed_call(*element):
        with element_key_scope(_worker_key()) as scope:
            output = function(*element)
        served_generators.extend(scope.generators)
        return output

    mapped = dataset.map(
        keyed_call, num_parallel_calls=num_parallel_calls, deterministic=deterministic
    )
    repeating = _repeating_draws(mapped)
    if repeating:
        raise ValueError(
            "Invalid value for `dataset`: expected a pipeline whose noise is all drawn by "
            "`function`, but its graph draws noise from a state the tf.data service copies "
            f"to every worker ({', '.join(repeating)}; e.g. an earlier `ds.map(layer)` or "
            "`kn.data.map` of keras-noise layers), so every worker would repeat the same "
            "noise. Move those layers into `function`. Received: dataset="
            f"{dataset!r}"
        )
    _SERVED_GENERATORS.update(served_generators)

    def register(_):
        return tf.data.experimental.service.register_dataset(service, mapped)

    def read(dataset_id):
        return tf.data.experimental.service.from_dataset_id(
            processing_mode, service, dataset_id, element_spec=mapped.element_spec
        )

    start = tf.data.Dataset.from_tensors(tf.constant(0))
    dataset_ids = start.map(lambda token: tf.py_function(register, [token], tf.string))
    return dataset_ids.flat_map(read)
