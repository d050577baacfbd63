"""Composition matrix (issue #12): every registered preprocessing layer inside every kind of
container, in every context, asserting what the noise does.

Containers: `keras.Sequential`, `keras.layers.Pipeline`, a functional augmenter, a custom layer,
and a nested one (Sequential > custom layer > Pipeline). Contexts:

* as a data pipeline (the container is the outermost call): direct call and `ds.map` apply the
  noise; `training=False` and `predict` are the identity;
* inside a classifier (the containers side by side, each followed by a `Probe` that records
  what it received): `fit` applies the noise, `evaluate`, `predict` and `model(x)` do not, and
  Keras' `model.export()` serves a noise-free function (export runs for one case per layer class,
  all containers each, to keep the matrix fast). Keras' `Pipeline` defaults `training` to True
  inside a model: it has its own test, and the nested container there is Sequential > custom
  layer > Sequential.

Batch layers (MixUp, CutMix, LabelSmoothing) need labels, so they run as data pipelines only, in
the containers that pass a dict element through (Pipeline, functional, custom, nested).
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES_BY_KIND, params

PREPROCESSING = CASES_BY_KIND["preprocessing"]
BATCH = CASES_BY_KIND["batch"]
BATCH_SIZE = 4
CONTAINERS = ("sequential", "pipeline", "functional", "custom", "nested")
# Inside a classifier, `keras.layers.Pipeline` is left out: its `call` defaults `training` to
# True, so Keras itself turns a model's `training=None` into True there (see
# `test_keras_pipeline_inside_a_model_defaults_training_to_true`); "nested_model" nests
# Sequential > custom layer > Sequential instead.
MODEL_CONTAINERS = ("sequential", "functional", "custom", "nested_model")


class Holder(keras.layers.Layer):
    """A custom layer holding another layer, as users write augmentation blocks."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs):
        return self.inner(inputs)

    def compute_output_spec(self, inputs):
        return self.inner.compute_output_spec(inputs)


class Probe(keras.layers.Layer):
    """Records its input in `fit` (`seen_train`) and `evaluate`/`predict` (`seen_infer`); outputs
    the input flattened to float32, plus 0 * a trainable scalar (so the classifier trains)."""

    def __init__(self, record_dtype, record=True, **kwargs):
        super().__init__(**kwargs)
        self.record_dtype = record_dtype
        self.record = record
        self._convert_input_args = False

    def build(self, input_shape):
        shape = (BATCH_SIZE, *input_shape[1:])
        self.w = self.add_weight(shape=(), initializer="zeros", name="w")
        self.seen_train = self.add_weight(
            shape=shape, dtype=self.record_dtype, trainable=False, initializer="zeros"
        )
        self.seen_infer = self.add_weight(
            shape=shape, dtype=self.record_dtype, trainable=False, initializer="zeros"
        )

    def call(self, inputs, training=None):
        if self.record and training is not None:
            (self.seen_train if training else self.seen_infer).assign(inputs)
        flat = keras.ops.reshape(
            keras.ops.cast(inputs, "float32"), (keras.ops.shape(inputs)[0], -1)
        )
        return flat + 0.0 * self.w

    def compute_output_spec(self, inputs, training=None):
        size = int(np.prod(inputs.shape[1:]))
        return keras.KerasTensor((inputs.shape[0], size), dtype="float32")


def _input(case):
    x = case.inputs(batch=1)
    return keras.Input(case.example_shape, dtype=str(x.dtype))


def make_container(kind: str, layer, case):
    if kind == "sequential":  # Keras' guide form; the Input keeps integer ids integer
        return keras.Sequential([_input(case), layer])
    if kind == "pipeline":
        return keras.layers.Pipeline([layer])
    if kind == "functional":
        inputs = _input(case)
        return keras.Model(inputs, layer(inputs))
    if kind == "custom":
        return Holder(layer)
    if kind == "nested_model":
        inner = keras.Sequential([_input(case), layer])
        return keras.Sequential([_input(case), Holder(inner)])
    return keras.Sequential([_input(case), Holder(keras.layers.Pipeline([layer]))])


def changed(out, x) -> float:
    """The fraction of values that differ (0.0 exactly when nothing changed)."""
    return float(np.mean(np.asarray(out) != np.asarray(x)))


# ------------------------------------------------------------------ containers as pipelines
@params(PREPROCESSING)
@pytest.mark.parametrize("kind", CONTAINERS)
def test_container_used_as_data_pipeline_applies_noise_and_never_at_inference(case, kind):
    x = case.inputs(batch=BATCH_SIZE)
    block = make_container(kind, case.layer(seed=1), case)
    assert changed(block(x), x) > 0, "a direct call of an augmentation block applies noise"
    assert changed(block(x, training=False), x) == 0
    ds = tf.data.Dataset.from_tensors(x)
    assert changed(next(iter(ds.map(block))), x) > 0, "ds.map(block)"
    labelled = tf.data.Dataset.from_tensors((x, np.arange(BATCH_SIZE)))
    out, y = next(iter(labelled.map(lambda a, b: (block(a), b))))
    assert changed(out, x) > 0 and changed(y, np.arange(BATCH_SIZE)) == 0
    if isinstance(block, keras.Model):  # Pipeline and a custom layer have no predict
        assert changed(block.predict(x, verbose=0, batch_size=BATCH_SIZE), x) == 0


# ------------------------------------------------------------------ containers in a model
def _classifier(case, containers=MODEL_CONTAINERS, record=True):
    """The containers side by side behind one input, each followed by a probe."""
    inputs = _input(case)
    probes, outputs = [], []
    for index, kind in enumerate(containers):
        block = make_container(kind, case.layer(seed=index), case)
        probe = Probe(str(case.inputs(batch=1).dtype), record, name=f"probe_{kind}")
        outputs.append(probe(block(inputs)))
        probes.append(probe)
    merged = outputs[0] if len(outputs) == 1 else keras.layers.Concatenate()(outputs)
    model = keras.Model(inputs, merged)
    model.compile(keras.optimizers.SGD(0.0), "mse")
    return model, probes


def _flat(x, copies: int) -> np.ndarray:
    return np.concatenate([np.reshape(x, (BATCH_SIZE, -1)).astype("float32")] * copies, 1)


@params(PREPROCESSING)
def test_containers_in_a_classifier_noise_in_fit_only(case):
    x = case.inputs(batch=BATCH_SIZE)
    model, probes = _classifier(case)
    flat = _flat(x, len(MODEL_CONTAINERS))
    targets = np.zeros_like(flat)
    model.fit(x, targets, batch_size=BATCH_SIZE, epochs=1, verbose=0)
    for kind, probe in zip(MODEL_CONTAINERS, probes, strict=True):
        assert changed(probe.seen_train, x) > 0, f"fit: noise in the {kind} container"
    model.evaluate(x, targets, batch_size=BATCH_SIZE, verbose=0)
    for kind, probe in zip(MODEL_CONTAINERS, probes, strict=True):
        assert changed(probe.seen_infer, x) == 0, f"evaluate: no noise in the {kind} container"
    assert changed(model.predict(x, batch_size=BATCH_SIZE, verbose=0), flat) == 0
    assert changed(model(x), flat) == 0, "model(x): a classifier called directly is inference"
    model.trainable = False
    assert changed(model(x), flat) == 0, "a frozen classifier is still a model"


def test_keras_pipeline_inside_a_model_defaults_training_to_true(tmp_path):
    """Keras' `Pipeline.call(training=True)` passes True down when the model gets None: noise in
    `model(x)` and in a plain `model.export()`; `predict`/`evaluate` pass False and are clean,
    and `kn.export.export_noise_free` strips the noise."""
    import keras_noise as kn

    case = next(c for c in PREPROCESSING if c.name == "jitter")
    x = case.inputs(batch=BATCH_SIZE)
    model, _ = _classifier(case, containers=("pipeline",), record=False)  # any batch size
    flat = _flat(x, 1)
    assert changed(model(x), flat) > 0
    assert changed(model.predict(x, batch_size=BATCH_SIZE, verbose=0), flat) == 0
    kn.export.export_noise_free(model, tmp_path / "clean")
    loaded = tf.saved_model.load(str(tmp_path / "clean"))
    serve = loaded.serve
    assert changed(serve(tf.constant(x)), flat) == 0


def _one_per_class(cases):
    seen, chosen = set(), []
    for case in cases:
        if case.layer_cls not in seen:
            seen.add(case.layer_cls)
            chosen.append(case)
    return chosen


@params(_one_per_class(PREPROCESSING))
def test_keras_export_of_a_classifier_is_noise_free(case, tmp_path):
    x = case.inputs(batch=BATCH_SIZE)
    model, _ = _classifier(case)
    model.export(tmp_path / "serve", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "serve"))  # keep it: serve uses its variables
    serve = loaded.serve
    flat = _flat(x, len(MODEL_CONTAINERS))
    assert changed(serve(tf.constant(x)), flat) == 0 and changed(serve(tf.constant(x)), flat) == 0


# ------------------------------------------------------------------- batch layers: pipelines
def _dict_block(kind: str, layer, element):
    if kind == "pipeline":
        return keras.layers.Pipeline([layer])
    if kind == "custom":
        return Holder(layer)
    if kind == "nested":
        return Holder(keras.layers.Pipeline([layer]))
    inputs = {
        key: keras.Input(value.shape[1:], dtype=str(value.dtype), name=key)
        for key, value in element.items()
    }
    return keras.Model(inputs, layer(inputs))


@params(BATCH)
@pytest.mark.parametrize("kind", ("pipeline", "functional", "custom", "nested"))
def test_batch_layer_in_a_container_mixes_in_pipelines_only(case, kind):
    element = case.inputs(batch=6)
    block = _dict_block(kind, case.layer(seed=1), element)
    for out in (block(element), next(iter(tf.data.Dataset.from_tensors(element).map(block)))):
        labels = np.asarray(out["labels"])
        np.testing.assert_allclose(labels.sum(axis=-1), 1.0, rtol=1e-5)
        assert changed(out["images"], element["images"]) > 0 or case.stochastic is False
        assert labels.shape[0] == 6 and labels.dtype == np.float32
    same = block(element, training=False)
    assert changed(same["images"], element["images"]) == 0
    assert changed(same["labels"], element["labels"]) == 0
