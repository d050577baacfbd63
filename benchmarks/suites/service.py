"""A heavy Cutout -> MixUp pipeline on the `tf.data` service: 1 and 2 workers against local.

Every candidate runs one epoch with a new iterator (as `fit` does) of the same pipeline:
images made in the pipeline from their index (so the registered graph holds no data), batched,
then Cutout and MixUp on each batch. "local" maps it in this process with `kn.data.map`
(`num_parallel_calls=AUTOTUNE`); the service candidates send it with `kn.data.distribute`
(`distributed_epoch`) to a dispatcher in this process and 1 or 2 workers, each a process of its
own, as on separate machines. On this 2-core machine the workers share the cores with each
other and with the client, so a second worker cannot add compute; what the figures show is the
service's own cost per epoch (a registration, a new job, the client polling for its tasks
about once a second, and each element crossing a gRPC connection).
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import textwrap

import tensorflow as tf

import keras_noise as kn
from benchmarks.harness import Candidate, Group

BATCH = 64
NUM_CLASSES = 10

_WORKER = textwrap.dedent(
    """
    import sys
    import tensorflow as tf
    config = tf.data.experimental.service.WorkerConfig(dispatcher_address=sys.argv[1])
    tf.data.experimental.service.WorkerServer(config).join()
    """
)


class _Cluster:
    """A dispatcher in this process and `workers` worker processes on loopback."""

    def __init__(self, workers: int):
        service = tf.data.experimental.service
        self.dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
        address = self.dispatcher.target.split("://")[1]
        self.processes = [
            subprocess.Popen([sys.executable, "-c", _WORKER, address]) for _ in range(workers)
        ]
        for process in self.processes:
            atexit.register(process.kill)  # if the run is interrupted before `close`

    def close(self) -> None:
        """Stops the worker processes (a worker would keep calling a dispatcher that is gone)."""
        for process in self.processes:
            process.kill()
            process.wait()

    @property
    def target(self) -> str:
        return self.dispatcher.target


def _source(images: int, size: int) -> tf.data.Dataset:
    def example(index):
        seed = tf.stack([index, tf.constant(0, tf.int64)])
        image = tf.random.stateless_uniform((size, size, 3), seed)
        return image, tf.one_hot(index % NUM_CLASSES, NUM_CLASSES)

    return tf.data.Dataset.range(images).map(example).batch(BATCH)


def _augment():
    cutout = kn.layers.Cutout(size_fraction=0.5, seed=0)
    mixup = kn.layers.MixUp(alpha=0.2, seed=0)
    return lambda images, labels: mixup(cutout(images), labels)


def _epoch_candidate(
    label: str, dataset: tf.data.Dataset, images: int, cluster: _Cluster | None = None
) -> Candidate:
    def run():
        assert cluster is None or cluster.processes  # the servers live as long as the candidate
        for _ in dataset:
            pass

    return Candidate(label, run, images, setup=run)


def _group(images: int, size: int) -> Group:
    source = _source(images, size)
    local = kn.data.map(source, _augment(), seed=0, num_parallel_calls=tf.data.AUTOTUNE)
    candidates = [_epoch_candidate("local kn.data.map", local, images)]
    clusters = []
    for workers in (1, 2):
        cluster = _Cluster(workers)
        clusters.append(cluster)
        served = kn.data.distribute(
            source,
            _augment(),
            service=cluster.target,
            processing_mode="distributed_epoch",
            num_parallel_calls=tf.data.AUTOTUNE,
        )
        candidates.append(
            _epoch_candidate(f"service, {workers} worker(s)", served, images, cluster)
        )
    return Group(
        name=f"Cutout -> MixUp epoch, {images} images {size}x{size}x3, batch {BATCH}",
        unit="images",
        candidates=candidates,
        teardown=lambda: [cluster.close() for cluster in clusters],
    )


def groups(quick: bool) -> list[Group]:
    if quick:
        return [_group(256, 16)]
    return [_group(4096, 64)]
