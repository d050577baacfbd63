"""Export in the situations users meet: text models, failures, TFLite options, wrappers."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.export import NoiseFreeExportError, export_noise_free, strip_noise
from keras_noise.export import saved_model as saved_model_module

TEXTS = np.array(["the cat sat", "a dog ran far away", "the dog sat", "cat"])


def _text_model():
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(TEXTS)
    inputs = keras.Input((), dtype="string", name="text")
    x = keras.layers.Embedding(20, 4)(vectorize(inputs))
    x = kn.layers.ActivationNoise(stddev=0.5, name="activation_noise")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x))


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------------ lookup tables
def test_text_model_strips_exports_and_serves_like_keras_export(tmp_path):
    model = _text_model()
    expected = model(tf.constant(TEXTS), training=False)
    stripped = strip_noise(model)
    np.testing.assert_allclose(stripped(tf.constant(TEXTS)), expected, atol=1e-6)
    report = export_noise_free(model, tmp_path / "text", inputs=TEXTS)
    assert report.ok and report.removed == ("activation_noise (ActivationNoise)",)
    model.export(str(tmp_path / "keras"), verbose=False)
    ours_saved, keras_saved = (
        tf.saved_model.load(p) for p in (report.path, str(tmp_path / "keras"))
    )
    ours = ours_saved.serve(tf.constant(TEXTS))
    theirs = keras_saved.serve(tf.constant(TEXTS))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    np.testing.assert_allclose(ours, expected, atol=1e-6)


# ----------------------------------------------------------------------- TFLite options
def test_a_tflite_failure_is_warned_and_keeps_the_saved_model(tmp_path):
    with pytest.warns(UserWarning, match="SavedModel at .* was written and verified, but the"):
        report = export_noise_free(_text_model(), tmp_path / "m", inputs=TEXTS, tflite=True)
    assert report.verification.ok and not report.failures and not report.ok
    assert report.tflite_error.startswith("TFLite conversion of")
    assert report.tflite_path is None and not (tmp_path / "m" / "model.tflite").exists()
    assert (tmp_path / "m" / "saved_model.pb").exists()
    assert "TFLite FAILED" in report.summary()


def test_tflite_options_reach_the_converter(tmp_path):
    select = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = export_noise_free(
            _text_model(),
            tmp_path / "m",
            inputs=TEXTS,
            tflite=True,
            tflite_options={"target_spec.supported_ops": select},
        )
    # Select TF ops convert the string ops that builtins cannot; this Python interpreter has
    # no Flex delegate to run them, which the report and a warning say (never silently).
    assert (tmp_path / "m" / "model.tflite").stat().st_size > 0
    assert report.tflite_path.endswith("model.tflite")
    assert report.tflite_error.startswith("model.tflite was written but not checked")
    assert any("TFLite part failed" in str(w.message) for w in caught)


def test_tflite_options_are_checked_before_anything_is_written(tmp_path):
    model = _text_model()
    with pytest.raises(ValueError, match="Invalid value for `tflite_options`: expected a dict"):
        export_noise_free(model, tmp_path / "a", tflite=True, tflite_options={"target.ops": 1})
    with pytest.raises(ValueError, match="expected None unless tflite=True"):
        export_noise_free(model, tmp_path / "b", tflite_options={"optimizations": []})
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_tflite_options_apply_to_a_convertible_model(tmp_path):
    model = keras.Sequential([keras.Input((8,)), kn.layers.Jitter(0.1), keras.layers.Dense(3)])
    default = export_noise_free(model, tmp_path / "float", tflite=True)
    quantized = export_noise_free(
        model,
        tmp_path / "quantized",
        tflite=True,
        tflite_options={"optimizations": [tf.lite.Optimize.DEFAULT]},
        atol=0.05,
        rtol=0.05,
    )
    assert default.ok and quantized.ok
    # Dynamic-range quantization stores the kernel in int8: the flatbuffer differs.
    float_bytes = (tmp_path / "float" / "model.tflite").read_bytes()
    assert (tmp_path / "quantized" / "model.tflite").read_bytes() != float_bytes


# ----------------------------------------------------------------------- atomic writes
def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    original = saved_model_module._write

    def write_then_fail(model, function, staging, **kwargs):
        original(model, function, staging, **kwargs)
        raise OSError("disk full (injected)")

    monkeypatch.setattr(saved_model_module, "_write", write_then_fail)
    model = keras.Sequential([keras.Input((3,)), kn.layers.Jitter(0.1), keras.layers.Dense(1)])
    with pytest.raises(OSError, match="injected"):
        export_noise_free(model, tmp_path / "m")
    assert not (tmp_path / "m").exists() and _leftovers(tmp_path) == []


def test_a_failed_verification_leaves_nothing_and_keeps_an_overwritten_model(tmp_path):
    class DrawsInCall(keras.Model):
        def call(self, x):
            return x + tf.random.uniform(tf.shape(x))

    noisy = DrawsInCall(name="draws")
    noisy(np.ones((1, 4), "float32"))
    with pytest.raises(NoiseFreeExportError, match="nothing was written to") as info:
        export_noise_free(noisy, tmp_path / "m")
    assert info.value.report.failures and not (tmp_path / "m").exists()
    good = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    export_noise_free(good, tmp_path / "kept")
    with pytest.raises(NoiseFreeExportError):
        export_noise_free(noisy, tmp_path / "kept", overwrite=True)
    kept = tf.saved_model.load(str(tmp_path / "kept"))
    served = kept.serve(np.ones((1, 4), "float32"))
    np.testing.assert_allclose(served, good(np.ones((1, 4), "float32")), atol=1e-6)
    assert _leftovers(tmp_path) == []


# --------------------------------------------------------------------------- wrappers
def test_time_distributed_noise_is_stripped(tmp_path):
    inputs = keras.Input((5, 6))
    x = keras.layers.TimeDistributed(kn.layers.Jitter(stddev=0.5), name="td_jitter")(inputs)
    dense = kn.layers.DropConnect(keras.layers.Dense(3), rate=0.5)
    x = keras.layers.TimeDistributed(dense, name="td_dense")(x)
    x = keras.layers.TimeDistributed(keras.layers.Dropout(0.5), name="td_dropout")(x)
    model = keras.Model(inputs, x)
    stripped = strip_noise(model)
    kinds = [type(layer).__name__ for layer in stripped.layers]
    assert kinds == ["InputLayer", "TimeDistributed"]
    assert type(stripped.get_layer("td_dense").layer).__name__ == "Dense"
    assert not any(kn.export.is_noise_layer(layer) for layer in stripped.layers)
    x = np.random.default_rng(0).normal(size=(2, 5, 6)).astype("float32")
    np.testing.assert_allclose(stripped(x), model(x, training=False), atol=1e-6)
    report = export_noise_free(model, tmp_path / "td")
    assert report.ok
    assert "td_jitter (TimeDistributed(Jitter))" in report.removed


def test_token_mask_with_return_mask_is_stripped(tmp_path):
    ids = keras.Input((7,), dtype="int32", name="ids")
    masked, selected = kn.layers.TokenMask(
        rate=0.5, vocabulary_size=30, mask_token_id=1, return_mask=True, name="token_mask"
    )(ids)
    logits = keras.layers.Dense(4)(keras.layers.Embedding(30, 3)(masked))
    model = keras.Model(ids, {"logits": logits, "selected": selected})
    stripped = strip_noise(model)
    x = np.random.default_rng(0).integers(2, 30, (3, 7)).astype("int32")
    out = stripped(x)
    assert not np.any(out["selected"])
    np.testing.assert_allclose(out["logits"], model(x, training=False)["logits"], atol=1e-6)
    report = export_noise_free(model, tmp_path / "tokens", inputs=x, keras_file=True)
    assert report.ok and report.replaced[0].startswith("token_mask (TokenMask) -> ")
    reloaded = keras.saving.load_model(report.keras_path)
    assert not np.any(reloaded(x)["selected"])


def test_adversarial_model_exports_its_inner_model(tmp_path):
    inner = keras.Sequential(
        [keras.Input((4,), name="features"), keras.layers.Dense(3)], name="classifier"
    )
    wrapper = kn.adversarial.AdversarialModel(inner, epsilon=0.1)
    report = export_noise_free(wrapper, tmp_path / "adv")
    assert report.ok and not report.traced
    loaded = tf.saved_model.load(report.path)
    signature = loaded.signatures["serving_default"]
    assert list(signature.structured_input_signature[1]) == ["features"]
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(loaded.serve(x), inner(x), atol=1e-6)
    assert [type(layer).__name__ for layer in strip_noise(wrapper).layers] == ["Dense"]
