"""Every registered layer: a model containing it exports noise-free and converts to TFLite.

To keep this fast, the case models are nested side by side in one functional model (an input and
an output named after each case) that is exported, verified and converted to TFLite once; each
case's test then checks its own output against ``model(x, training=False)`` of its own model.
The checks do not trust the export report: they scan the SavedModel for random ops, call it
twice, and run the TFLite interpreter. If the shared export fails, every case falls back to an
export of its own model, so a failure names the layer that caused it.
"""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf
from registry import CASES, params

from keras_noise.export import (
    export_noise_free,
    find_random_ops,
    inference_form,
    is_noise_layer,
    run_tflite,
    strip_noise,
)

TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


@dataclasses.dataclass
class Exported:
    """Outputs of one export by flat output name: two serving calls, TFLite; the random ops."""

    random_ops: dict
    first: dict
    second: dict
    lite: dict


def _flat(name: str, structure) -> dict:
    """A case's (possibly nested) inputs or outputs as a flat dict of `<case>__<index>` names."""
    return {f"{name}__{i}": value for i, value in enumerate(tf.nest.flatten(structure))}


def _export(models: dict, inputs: dict, folder) -> Exported:
    """Exports the `models` (by case name) side by side as one model; returns flat outputs."""
    symbolic, outputs = {}, {}
    for name, model in models.items():
        flat_inputs = {
            key: keras.Input(t.shape[1:], dtype=t.dtype, name=key)
            for key, t in _flat(name, model.input).items()
        }
        symbolic.update(flat_inputs)
        structured = tf.nest.pack_sequence_as(model.input, list(flat_inputs.values()))
        outputs.update(_flat(name, models[name](structured)))
    combined = keras.Model(symbolic, outputs)
    feed = {key: value for name, x in inputs.items() for key, value in _flat(name, x).items()}
    report = export_noise_free(combined, folder, tflite=True, inputs=feed, **TOLERANCE)
    loaded = tf.saved_model.load(report.path)
    serve = loaded.signatures["serving_default"]
    first = serve(**{key: tf.constant(value) for key, value in feed.items()})
    second = serve(**{key: tf.constant(value) for key, value in feed.items()})
    return Exported(
        random_ops=find_random_ops(report.path),
        first={key: np.asarray(value) for key, value in first.items()},
        second={key: np.asarray(value) for key, value in second.items()},
        lite=run_tflite(report.tflite_path, feed),
    )


@pytest.fixture(scope="module")
def shared_export(tmp_path_factory):
    """The export of every case model at once, or the error it raised."""
    models = {case.name: case.model(case.layer()) for case in CASES}
    inputs = {case.name: case.inputs() for case in CASES}
    try:
        return _export(models, inputs, tmp_path_factory.mktemp("registry") / "all")
    except Exception as error:  # The per-case fallback reports the cause, naming the layer.
        return error


def test_shared_export_of_every_case_succeeds(shared_export):
    if isinstance(shared_export, Exception):
        raise shared_export
    assert shared_export.random_ops == {}


@params()
def test_model_with_layer_exports_noise_free_and_converts_to_tflite(case, shared_export, tmp_path):
    model = case.model(case.layer())
    x = case.inputs()
    expected = _flat(case.name, model(x, training=False))
    exported = shared_export
    if isinstance(exported, Exception) or exported.random_ops:
        exported = _export({case.name: model}, {case.name: x}, tmp_path / "model")

    assert exported.random_ops == {}
    for key, want in expected.items():
        first, second = exported.first[key], exported.second[key]
        assert first.tobytes() == second.tobytes()
        np.testing.assert_allclose(first, want, **TOLERANCE)
        np.testing.assert_allclose(exported.lite[key], want, **TOLERANCE)


def _kept_weights(layer, seen):
    """The weights a noise-free copy of `layer` must hold, found through `inference_form`."""
    if id(layer) in seen:
        return []
    seen.add(id(layer))
    if isinstance(layer, keras.Model):
        return [w for sub in layer.layers for w in _kept_weights(sub, seen)]
    form = inference_form(layer)
    if form is None:
        return []
    if form is not layer and form.built:  # an existing layer (a wrapper's inner one)
        return _kept_weights(form, seen)
    return layer.get_weights()  # the layer, or a new inference form that takes its weights


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


def _fingerprints(arrays):
    return sorted((a.shape, a.dtype.str, a.tobytes()) for a in map(np.asarray, arrays))


@params()
def test_strip_noise_keeps_every_other_weight(case):
    model = case.model(case.layer())
    stripped = strip_noise(model)
    assert not any(is_noise_layer(layer) for layer in _all_layers(stripped))
    expected = _kept_weights(model, set())
    assert len(stripped.weights) == len(expected)
    assert _fingerprints(stripped.get_weights()) == _fingerprints(expected)
    x = case.inputs()
    for got, want in zip(
        tf.nest.flatten(stripped(x)), tf.nest.flatten(model(x, training=False)), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
