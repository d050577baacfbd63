"""`keras_noise.export`: strip_noise, export_noise_free, verify_noise_free and `keras-noise verify`.

The per-layer guarantees (every registered layer exports noise-free and converts to TFLite) are
in `test_registry_noise_free_export.py`; this file covers model structures, options, Keras' own
noise layers, bad input and the command line.
"""

from collections import Counter

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.cli import main
from keras_noise.export import (
    KERAS_NOISE_LAYER_NAMES,
    KERAS_REPLACED_LAYERS,
    NoiseFreeExportError,
    export_noise_free,
    find_random_ops,
    is_noise_layer,
    strip_noise,
    verify_noise_free,
)
from keras_noise.export.random_ops import read_saved_model_proto

IMAGE = (12, 10, 3)  # non-square


def _images(batch=3, seed=0):
    return np.random.default_rng(seed).uniform(0, 1, (batch, *IMAGE)).astype("float32")


def _erasing_model():
    return keras.Sequential(
        [
            keras.Input(IMAGE, name="pixels"),
            keras.layers.RandomErasing(factor=1.0, scale=(0.2, 0.5), seed=1, name="erasing"),
            keras.layers.Conv2D(2, 3),
        ]
    )


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.fixture(scope="module")
def erasing_exports(tmp_path_factory):
    """A Keras RandomErasing model exported by `model.export()` and by `export_noise_free`."""
    model = _erasing_model()
    folder = tmp_path_factory.mktemp("erasing")
    model.export(str(folder / "plain"), verbose=False)
    report = export_noise_free(model, folder / "clean", tflite=True, keras_file=True)
    return model, folder / "plain", report


# ------------------------------------------------------------------------- RandomErasing case
def test_keras_export_of_random_erasing_is_flagged(erasing_exports):
    model, plain, _ = erasing_exports
    result = verify_noise_free(plain, reference=model)
    assert not result.ok
    assert "StatelessRandomUniformV2" in result.random_ops
    assert all("__inference" in place for place in result.random_ops["StatelessRandomUniformV2"])
    assert result.deterministic is False
    assert any(f.startswith("random ops in the graph: ") for f in result.failures)
    assert any(f.startswith("two calls on the same inputs differ") for f in result.failures)
    assert any("differs from reference(x, training=False)" in f for f in result.failures)
    assert result.summary().startswith(f"NOT noise-free: {plain}")


def test_export_noise_free_fixes_random_erasing(erasing_exports):
    model, _, report = erasing_exports
    assert report.ok and report.verification.ok
    assert report.removed == ("erasing (RandomErasing)",)
    assert find_random_ops(report.path) == {}
    assert report.verification.deterministic is True
    assert report.verification.reference_max_abs_diff <= 1e-5
    assert report.tflite_max_abs_diff <= 1e-5
    assert verify_noise_free(report.path, inputs=_images(), reference=model).ok


def test_export_keeps_input_names_and_a_dynamic_batch(erasing_exports):
    model, _, report = erasing_exports
    loaded = tf.saved_model.load(report.path)
    signature = loaded.signatures["serving_default"]
    (spec,) = signature.structured_input_signature[1].values()
    assert list(signature.structured_input_signature[1]) == ["pixels"]
    assert spec.shape.as_list() == [None, *IMAGE]
    for batch in (1, 5):
        x = _images(batch)
        np.testing.assert_allclose(loaded.serve(x), model(x, training=False), rtol=1e-5, atol=1e-5)


def test_keras_file_holds_the_stripped_model(erasing_exports):
    model, _, report = erasing_exports
    reloaded = keras.saving.load_model(report.keras_path)
    assert _layer_types(reloaded) == ["Conv2D"]
    x = _images()
    np.testing.assert_allclose(reloaded(x), model(x, training=False), rtol=1e-6, atol=1e-6)


# -------------------------------------------------------------------------------- strip_noise
def _functional_with_nesting_and_sharing():
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    shared = keras.layers.Dense(4, name="shared", trainable=False)
    inner = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dropout(0.3),
            kn.layers.Jitter(stddev=0.2),
            keras.layers.BatchNormalization(),
            keras.layers.Dense(3),
        ],
        name="inner",
    )
    hidden_a = shared(kn.layers.Jitter(stddev=0.1)(a))
    hidden_b = shared(keras.layers.GaussianNoise(0.1)(b))
    outputs = {
        "sum": keras.layers.Add()([inner(hidden_a), inner(hidden_b)]),
        "wide": kn.layers.DropConnect(keras.layers.Dense(2), rate=0.5, seed=0)(hidden_a),
    }
    model = keras.Model({"a": a, "b": b}, outputs, name="two_heads")
    rng = np.random.default_rng(0)
    x = {name: rng.normal(size=(4, 6)).astype("float32") for name in ("a", "b")}
    norm = inner.get_layer(index=2)
    norm.moving_mean.assign(rng.normal(size=4))
    norm.moving_variance.assign(rng.uniform(0.5, 2.0, size=4))
    model.compile("adam", "mse")
    return model, x


def _fingerprints(variables):
    return sorted((w.shape, w.tobytes()) for w in (np.asarray(v) for v in variables))


def test_strip_noise_rebuilds_nested_and_shared_layers_with_the_same_weights():
    model, x = _functional_with_nesting_and_sharing()
    stripped = strip_noise(model)
    assert stripped.name == "two_heads" and not stripped.compiled
    assert _layer_types(stripped.get_layer("inner")) == ["BatchNormalization", "Dense"]
    assert "Dense" in _layer_types(stripped) and "DropConnect" not in _layer_types(stripped)
    assert len(stripped.get_layer("shared")._inbound_nodes) == 2  # still one shared layer
    assert not stripped.get_layer("shared").trainable and stripped.get_layer("inner").trainable
    # Every weight (strengths are layer state, not weights: none to leave out).
    assert not any(w.path.endswith(("/stddev", "/rate")) for w in model.weights)
    assert _fingerprints(stripped.weights) == _fingerprints(model.weights)
    expected = model(x, training=False)
    for key, value in stripped(x).items():
        np.testing.assert_allclose(value, expected[key], rtol=1e-6, atol=1e-6)


def test_stripped_model_does_not_share_variables_with_the_original():
    model, x = _functional_with_nesting_and_sharing()
    stripped = strip_noise(model)
    before = stripped(x)["sum"]
    model.get_layer("shared").kernel.assign(model.get_layer("shared").kernel * 0.0)
    np.testing.assert_array_equal(stripped(x)["sum"], before)
    assert len(model.get_layer("shared")._inbound_nodes) == 2  # no node added to the original


def test_keras_noise_layers_are_removed_and_random_crop_becomes_its_documented_inference():
    model = keras.Sequential(
        [
            keras.Input(IMAGE),
            keras.layers.RandomFlip(seed=0),
            keras.layers.Pipeline([keras.layers.RandomRotation(0.1), keras.layers.Rescaling(2.0)]),
            keras.layers.RandomCrop(8, 6, seed=0),
            keras.layers.SpatialDropout2D(0.2),
            keras.layers.GaussianDropout(0.2),
            keras.layers.Conv2D(2, 3),
        ]
    )
    stripped = strip_noise(model)
    assert _layer_types(stripped) == ["Pipeline", "Resizing", "Conv2D"]
    assert _layer_types(stripped.layers[0]) == ["Rescaling"]
    x = _images()
    cropped = keras.layers.Resizing(8, 6, crop_to_aspect_ratio=True)(x * 2.0)
    np.testing.assert_allclose(stripped(x), model.layers[-1](cropped), rtol=1e-5, atol=1e-5)


def test_dropout_arguments_are_zeroed_and_preprocessing_state_is_copied(tmp_path):
    normalization = keras.layers.Normalization()
    normalization.adapt(np.random.default_rng(0).normal(3.0, 2.0, (64, 5)).astype("float32"))
    features, tokens = (
        keras.Input((5,), name="features"),
        keras.Input((7,), dtype="int32", name="tokens"),
    )
    embedded = keras.layers.Embedding(20, 4, mask_zero=True)(tokens)
    recurrent = keras.layers.LSTM(3, dropout=0.2, recurrent_dropout=0.2, name="lstm")(embedded)
    merged = keras.layers.Concatenate()([normalization(features), recurrent])
    model = keras.Model([features, tokens], keras.layers.Dense(2)(merged))
    rng = np.random.default_rng(1)
    x = [rng.normal(size=(3, 5)).astype("float32"), rng.integers(0, 20, (3, 7)).astype("int32")]

    stripped = strip_noise(model)
    assert stripped.get_layer(index=4).get_config()["recurrent_dropout"] == 0.0
    np.testing.assert_allclose(stripped(x), model(x, training=False), rtol=1e-6, atol=1e-6)
    model.export(str(tmp_path / "plain"), verbose=False)  # Keras keeps the dropout-mask draws
    assert "StatelessRandomUniformV2" in find_random_ops(tmp_path / "plain")
    report = export_noise_free(model, tmp_path / "clean", inputs={"features": x[0], "tokens": x[1]})
    assert report.replaced == ("lstm (LSTM) -> itself with dropout rates 0",)
    assert report.ok and report.verification.reference_max_abs_diff <= 1e-5


def test_the_keras_layer_lists_match_this_keras_version():
    listed = set(KERAS_NOISE_LAYER_NAMES) | set(KERAS_REPLACED_LAYERS)
    assert all(hasattr(keras.layers, name) for name in listed)
    random_layers = {name for name in dir(keras.layers) if name.startswith("Random")}
    assert random_layers <= listed, "a Keras random layer is missing from the documented lists"
    assert is_noise_layer(keras.layers.RandomErasing()) and not is_noise_layer(
        keras.layers.Dense(1)
    )


def test_model_wrappers_are_unwrapped_through_their_inference_layer_hook():
    class Wrapper(keras.Model):
        def __init__(self, model, **kwargs):
            super().__init__(**kwargs)
            self.model = model

        def call(self, x, training=None):
            return self.model(x, training=training)

        def inference_layer(self):
            return self.model

    wrapper = Wrapper(_tiny_model())
    assert _layer_types(strip_noise(wrapper)) == ["Dense"]


def test_strip_noise_rejects_subclassed_unbuilt_and_non_models():
    class Subclassed(keras.Model):
        def call(self, x):
            return x

    with pytest.raises(TypeError, match="model 'sub' is a subclassed model \\(Subclassed\\)"):
        strip_noise(Subclassed(name="sub"))
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="expected a built model: call it on data first"):
        strip_noise(unbuilt)
    with pytest.raises(TypeError, match="Invalid type for `model`: expected a keras.Model"):
        strip_noise(keras.layers.Dense(2))


# ----------------------------------------------------------------- export: models and options
class NoisyBlock(keras.Model):
    """A subclassed model: traced with training=False, not rebuilt."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.jitter = kn.layers.Jitter(stddev=0.5)
        self.flip = keras.layers.RandomFlip()
        self.dense = keras.layers.Dense(3)

    def call(self, x, training=None):
        return self.dense(self.flip(self.jitter(x)))


def test_subclassed_model_is_traced_without_noise(tmp_path):
    model = NoisyBlock()
    model(_images())
    report = export_noise_free(model, tmp_path / "sub", inputs=_images())
    assert report.ok and report.traced and report.removed == ()


def test_unbuilt_model_needs_an_input_signature(tmp_path):
    model = keras.Sequential([kn.layers.Jitter(stddev=0.1), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="expected a built model: call it on data first"):
        export_noise_free(model, tmp_path / "a")
    signature = [tf.TensorSpec((None, 5), tf.float32, name="features")]
    report = export_noise_free(model, tmp_path / "b", input_signature=signature)
    assert report.ok and report.removed[0].endswith("(Jitter)")
    loaded = tf.saved_model.load(report.path)
    assert list(loaded.signatures["serving_default"].structured_input_signature[1]) == ["features"]


def test_untraceable_subclassed_model_gets_the_reason(tmp_path):
    class NumpyInCall(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x) * float(np.asarray(x).sum())

    model = NumpyInCall(name="numpy_in_call")
    model(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match="Cannot export subclassed model 'numpy_in_call'") as info:
        export_noise_free(model, tmp_path / "m")
    assert "tracing call(inputs, training=False) failed with" in str(info.value)
    assert not (tmp_path / "m").exists()


def test_random_ops_left_by_a_traced_model_fail_the_export(tmp_path):
    class DrawsInCall(keras.Model):
        def call(self, x):
            return x + tf.random.uniform(tf.shape(x))

    model = DrawsInCall(name="draws")
    model(np.ones((1, 4), "float32"))
    with pytest.raises(NoiseFreeExportError, match="random ops in the graph: RandomUniform"):
        export_noise_free(model, tmp_path / "m")


def test_mixed_precision_model_exports_noise_free(tmp_path, dtype_policy):
    dtype_policy("mixed_float16")
    model = keras.Sequential(
        [keras.Input((6,)), kn.layers.ActivationNoise(stddev=0.2), keras.layers.Dense(3)]
    )
    report = export_noise_free(model, tmp_path / "m", atol=1e-3, rtol=1e-3)
    assert report.ok and report.removed[0].endswith("(ActivationNoise)")


def _op_counts(folder):
    proto = read_saved_model_proto(folder)
    return Counter(
        node.op
        for graph in proto.meta_graphs
        for function in graph.graph_def.library.function
        for node in function.node_def
    )


def test_noisy_model_exports_the_same_ops_as_the_model_built_without_noise(tmp_path):
    def build(noise):
        inputs = keras.Input(IMAGE)
        x = kn.layers.Jitter(stddev=0.1)(inputs) if noise else inputs
        x = keras.layers.Conv2D(4, 3, activation="relu")(x)
        x = keras.layers.SpatialDropout2D(0.1)(x) if noise else x
        x = kn.layers.ActivationNoise(stddev=0.1)(x) if noise else x
        dense = keras.layers.Dense(3)
        x = keras.layers.Flatten()(x)
        return keras.Model(inputs, kn.layers.DropConnect(dense, rate=0.2)(x) if noise else dense(x))

    export_noise_free(build(True), tmp_path / "noisy")
    export_noise_free(build(False), tmp_path / "clean")
    assert _op_counts(tmp_path / "noisy") == _op_counts(tmp_path / "clean")


# ------------------------------------------------------------------------------- bad input
def _tiny_model():
    return keras.Sequential(
        [keras.Input((3,)), kn.layers.Jitter(stddev=0.1), keras.layers.Dense(1)]
    )


def test_existing_folder_is_refused_unless_overwrite(tmp_path):
    model = _tiny_model()
    export_noise_free(model, tmp_path / "m")
    with pytest.raises(ValueError, match="expected a new or empty folder .* overwrite=True"):
        export_noise_free(model, tmp_path / "m")
    assert export_noise_free(model, tmp_path / "m", overwrite=True).ok
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds other files, which overwrite=True does not"):
        export_noise_free(model, other, overwrite=True)
    assert (other / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="expected a folder to export into, not a file"):
        export_noise_free(model, other / "keep.txt")
    (tmp_path / "empty").mkdir()
    assert export_noise_free(model, tmp_path / "empty").ok


def test_bad_arguments_get_the_package_message(tmp_path):
    with pytest.raises(ValueError, match="Invalid value for `format`: expected one of"):
        export_noise_free(_tiny_model(), tmp_path / "m", format="onnx")
    with pytest.raises(TypeError, match="Invalid type for `model`: expected a keras.Model"):
        export_noise_free(keras.layers.Dense(1), tmp_path / "m")


def test_verify_rejects_a_path_that_is_not_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match="expected a SavedModel folder .*saved_model.pb"):
        verify_noise_free(tmp_path)
    with pytest.raises(ValueError, match="expected a SavedModel folder"):
        verify_noise_free(tmp_path / "missing")
    (tmp_path / "saved_model.pb").write_bytes(b"\x07not a protobuf")
    with pytest.raises(ValueError, match="could not be parsed"):
        verify_noise_free(tmp_path)


def test_verify_names_a_reference_mismatch_and_bad_options(erasing_exports):
    _, _, report = erasing_exports
    other = _erasing_model()  # same architecture, other weights
    result = verify_noise_free(report.path, reference=other)
    assert not result.ok and result.random_ops == {} and result.deterministic
    assert result.failures[0].startswith("output 'output_0' differs from reference")
    with pytest.raises(ValueError, match="Invalid value for `signature`: expected one of"):
        verify_noise_free(report.path, signature="predict")
    with pytest.raises(ValueError, match="Invalid value for `atol`"):
        verify_noise_free(report.path, atol=-1.0)
    with pytest.raises(ValueError, match="Invalid value for `inputs`: expected a dict"):
        verify_noise_free(report.path, inputs={"image": _images()})


# ------------------------------------------------------------------------------------- CLI
def test_cli_verify_exit_status(erasing_exports, tmp_path, capsys):
    _, plain, report = erasing_exports
    assert main(["verify", report.path]) == 0
    assert capsys.readouterr().out.startswith("noise-free: ")
    assert main(["verify", str(plain)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("NOT noise-free: ") and "random ops in the graph" in out
    assert main(["verify", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "keras-noise verify: error: Invalid value for `path`" in err
    assert "Traceback" not in err
