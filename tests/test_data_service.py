"""`kn.data.distribute`: noise on a real tf.data service (a dispatcher and two workers).

The servers run in this process on loopback ports; each worker runs the pipeline from its own
copy of the registered graph, as on separate machines.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES_BY_KIND
from test_registry_noise_level import _assert_equal as assert_equal
from test_registry_noise_level import _clean as clean_output

import keras_noise as kn

SERVICE = tf.data.experimental.service
MODES = ["parallel_epochs", "distributed_epoch"]
TF_DATA_CASES = CASES_BY_KIND["preprocessing"] + [c for c in CASES_BY_KIND["batch"] if c.stochastic]
# Every layer runs in the default mode; `distributed_epoch` (each worker reads its share of the
# source) goes through the same keyed-map code, so one layer per element structure checks it: a
# per-example image layer, a label-mixing batch layer and a per-example sequence layer.
DISTRIBUTED_EPOCH_CASES = ("cutout", "mixup", "time_mask")
SERVED = [(case, "parallel_epochs") for case in TF_DATA_CASES] + [
    (case, "distributed_epoch") for case in TF_DATA_CASES if case.name in DISTRIBUTED_EPOCH_CASES
]
assert len(SERVED) == len(TF_DATA_CASES) + len(DISTRIBUTED_EPOCH_CASES), "a case was renamed"


class Cluster:
    """A dispatcher and `workers` workers on loopback, kept alive with the object."""

    def __init__(self, workers: int):
        self.dispatcher = SERVICE.DispatchServer(SERVICE.DispatcherConfig(port=0))
        self.workers = []
        for _ in range(workers):
            self.add_worker()

    @property
    def target(self) -> str:
        return self.dispatcher.target

    def add_worker(self) -> None:
        address = self.dispatcher.target.split("://")[1]
        self.workers.append(SERVICE.WorkerServer(SERVICE.WorkerConfig(dispatcher_address=address)))


@pytest.fixture(scope="module")
def cluster():
    return Cluster(workers=2)


def _digests(dataset) -> list[bytes]:
    return [
        b"".join(np.asarray(t).tobytes() for t in tf.nest.flatten(element))
        for element in dataset.as_numpy_iterator()
    ]


def _zeros(count: int, width: int = 8) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(np.zeros((count, width), "float32"))


@pytest.mark.parametrize(
    ("case", "mode"), SERVED, ids=[f"{case.name}-{mode}" for case, mode in SERVED]
)
def test_every_layer_draws_distinct_noise_on_every_worker_and_follows_its_strength(
    case, mode, cluster
):
    """The same element, 6 times, through a seeded layer: no two outputs alike on any worker;
    then the layer's zero strength, assigned between epochs, gives the clean output there."""
    x = case.inputs(batch=16 if case.kind == "batch" else 2)
    dataset = tf.data.Dataset.from_tensors(x).repeat(6)
    layer = case.layer(seed=1)
    served = kn.data.distribute(dataset, layer, service=cluster.target, processing_mode=mode)
    digests = _digests(served)
    assert len(digests) == (12 if mode == "parallel_epochs" else 6)
    assert len(set(digests)) == len(digests), f"{len(digests) - len(set(digests))} repeats"
    if case.zero_strength is not None:
        layer.strength.assign(case.zero_strength)
        for element in served.as_numpy_iterator():
            assert_equal(element, clean_output(case, layer, x))


@pytest.mark.parametrize("mode", MODES)
def test_each_epoch_draws_new_noise_at_the_layers_level(mode, cluster):
    served = kn.data.distribute(
        _zeros(16), kn.layers.Jitter(0.5, seed=3), service=cluster.target, processing_mode=mode
    )
    epochs = [np.stack(list(served.as_numpy_iterator())) for _ in range(2)]
    rows = np.concatenate(epochs)
    assert len({row.tobytes() for row in rows}) == len(rows) == 2 * (32 if mode[0] == "p" else 16)
    assert abs(rows.std() - 0.5) < 0.1
    # Independent across elements: neighbouring rows are uncorrelated.
    r = np.corrcoef(rows[:-1].ravel(), rows[1:].ravel())[0, 1]
    assert abs(r) < 5 / np.sqrt(rows[1:].size)


def test_a_strength_assigned_between_epochs_reaches_the_workers(cluster):
    jitter = kn.layers.Jitter(1.0, seed=3)
    served = kn.data.distribute(_zeros(16), jitter, service=cluster.target)
    assert np.stack(list(served.as_numpy_iterator())).std() > 0.8
    jitter.set_strength(0.0)
    assert not np.any(np.stack(list(served.as_numpy_iterator())))
    jitter.set_strength(2.0)
    assert abs(np.stack(list(served.as_numpy_iterator())).std() - 2.0) < 0.3


class _InputScale(keras.layers.Layer):
    """Records the largest |input| of the epoch (the inputs are pure noise around zero)."""

    def build(self, input_shape):
        self.largest = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x):
        self.largest.assign(tf.maximum(self.largest, tf.reduce_max(tf.abs(x))))
        return x


def test_fit_with_a_per_epoch_schedule_reaches_the_workers(cluster):
    jitter = kn.layers.Jitter(1.0, seed=3, name="served_jitter")
    features = _zeros(32).batch(8)
    pairs = features.map(lambda x: (x, tf.zeros((tf.shape(x)[0], 1))))
    served = kn.data.distribute(
        pairs,
        lambda x, y: (jitter(x), y),
        service=cluster.target,
        processing_mode="distributed_epoch",
    )
    scale = _InputScale()
    model = keras.Sequential([keras.Input((8,)), scale, keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    largest = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            largest.append(float(scale.largest.numpy()))
            scale.largest.assign(0.0)

    schedule = kn.callbacks.NoiseScheduler(lambda epoch: [1.0, 0.0, 3.0][epoch], layers=[jitter])
    model.fit(served, epochs=3, verbose=0, callbacks=[schedule, Record()])
    assert largest[0] > 1.0 and largest[1] == 0.0 and largest[2] > largest[0]


def test_a_per_step_schedule_of_a_served_layer_is_an_error(cluster):
    jitter = kn.layers.Jitter(1.0, name="stepped_jitter")
    pairs = _zeros(8).batch(4).map(lambda x: (x, x))
    served = kn.data.distribute(pairs, lambda x, y: (jitter(x), y), service=cluster.target)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8)])
    model.compile("sgd", "mse")
    schedule = kn.callbacks.NoiseScheduler(lambda step: 0.5, layers=[jitter], per="step")
    with pytest.raises(ValueError, match=r"`per`: expected 'epoch'.*stepped_jitter"):
        model.fit(served, epochs=1, verbose=0, callbacks=[schedule])
    assert kn.data.is_served(jitter) and not kn.data.is_served(kn.layers.Jitter(1.0))


def test_a_worker_started_after_the_job_began_adds_no_repeat_and_loses_nothing():
    cluster = Cluster(workers=1)
    served = kn.data.distribute(
        _zeros(64).batch(2),
        kn.layers.Jitter(1.0, seed=3),
        service=cluster.target,
        processing_mode="distributed_epoch",
    )
    iterator = iter(served)
    rows = [next(iterator).numpy() for _ in range(4)]
    cluster.add_worker()
    rows += [batch.numpy() for batch in iterator]
    rows = np.concatenate(rows)
    assert len(rows) == 64
    assert len({row.tobytes() for row in rows}) == 64


# ------------------------------------------------------------------------------ bad input
def test_an_unreachable_dispatcher_is_named_at_once():
    with pytest.raises(ValueError, match=r"`service`: expected the address of a running"):
        kn.data.distribute(_zeros(4), kn.layers.Jitter(1.0), service="grpc://localhost:1")
    with pytest.raises(ValueError, match=r"`service`: expected a dispatcher address"):
        kn.data.distribute(_zeros(4), kn.layers.Jitter(1.0), service="localhost")
    with pytest.raises(TypeError, match=r"Invalid type for `service`"):
        kn.data.distribute(_zeros(4), kn.layers.Jitter(1.0), service=5050)


def test_noise_drawn_before_the_service_would_repeat_and_is_an_error(cluster):
    upstream = _zeros(4).map(kn.layers.Jitter(1.0))
    with pytest.raises(ValueError, match=r"RngReadAndSkip.*every worker would repeat"):
        kn.data.distribute(upstream, lambda x: x, service=cluster.target)
    keyed = kn.data.map(_zeros(4), kn.layers.Jitter(1.0), seed=0)
    with pytest.raises(ValueError, match=r"\(keras_noise.data.map;.*every worker would repeat"):
        kn.data.distribute(keyed, lambda x: x, service=cluster.target)


def test_other_bad_arguments_are_named(cluster):
    with pytest.raises(ValueError, match=r"`processing_mode`"):
        kn.data.distribute(
            _zeros(4), kn.layers.Jitter(1.0), service=cluster.target, processing_mode="sharded"
        )
    with pytest.raises(TypeError, match=r"`dataset`: expected a tf.data.Dataset"):
        kn.data.distribute([1, 2], kn.layers.Jitter(1.0), service=cluster.target)
    with pytest.raises(TypeError, match=r"`function`"):
        kn.data.distribute(_zeros(4), 3, service=cluster.target)
