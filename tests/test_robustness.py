"""robustness.evaluate, its corruptions and result object, and robustness.plot."""

import json
import math
import struct
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits

import keras_noise as kn
from keras_noise.robustness import CORRUPTIONS, Curve, RobustnessResult, evaluate, plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PACKAGE_CORRUPTIONS = ["jitter", "salt_and_pepper", "occlusion", "feature_mask"]


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    x = (data.images / 16.0).astype("float32")[..., None]
    y = data.target.astype("int32")
    return x[:800], y[:800], x[1397:], y[1397:]  # 400 test digits


@pytest.fixture(scope="module")
def trained(digits):
    x_train, y_train, _, _ = digits
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=15, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def full_result(trained, digits):
    _, _, x, y = digits
    return evaluate(
        trained,
        (x, y),
        corruptions=PACKAGE_CORRUPTIONS + ["impulse_noise", "contrast"],
        attacks={"fgsm": [0.05, 0.1, 0.2], "pgd": [0.1]},
        verbose=0,
    )


def _result(clean=0.9, fgsm=(0.5, 0.2), metric="accuracy") -> RobustnessResult:
    curves = {
        "jitter": Curve("jitter", "corruption", "sigma", (0.1, 0.3), (0.85, 0.7)),
        "fgsm": Curve("fgsm", "attack", "epsilon", (0.1, 0.2), fgsm),
    }
    return RobustnessResult(metric, clean, curves, num_examples=10)


# -------------------------------------------------------------------------------- evaluate
def test_curves_on_a_trained_model_are_monotone_ish_and_finite(full_result):
    result = full_result
    assert list(result) == [
        "clean",
        "jitter",
        "salt_and_pepper",
        "occlusion",
        "feature_mask",
        "impulse_noise",
        "contrast",
        "fgsm",
        "pgd",
    ]
    assert result["clean"] > 0.85
    for name, curve in result.curves.items():
        values = [result.clean, *curve.values]
        assert all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in values), name
        # Monotone-ish: no step up by more than 3 points, and the last point is the lowest-ish.
        assert all(b <= a + 0.03 for a, b in zip(values, values[1:], strict=False)), name
        assert values[-1] < values[0] - 0.03, name
        if name in CORRUPTIONS:
            assert curve.severities == CORRUPTIONS[name].default_severities
    assert result["fgsm"][0.2] < 0.3  # measured ~0.05 on this model
    assert result["pgd"][0.1] <= result["fgsm"][0.1] + 0.01
    assert result.num_examples == 400 and result.metric == "accuracy"


def test_evaluation_is_deterministic_and_arrays_equal_datasets(trained, digits):
    _, _, x, y = digits
    kwargs = {"corruptions": {"jitter": [0.2], "occlusion": [0.25], "fog": [3]}, "verbose": 0}
    kwargs["attacks"] = {"pgd": [0.1]}
    from_arrays = evaluate(trained, (x, y), batch_size=100, **kwargs)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(100)
    assert evaluate(trained, dataset, **kwargs) == from_arrays
    again = evaluate(trained, (x, y), batch_size=100, **kwargs)
    assert again == from_arrays
    other_seed = evaluate(trained, (x, y), batch_size=100, seed=1, **kwargs)
    assert other_seed["occlusion"] != from_arrays["occlusion"]
    assert other_seed["fog"] != from_arrays["fog"]


def test_sample_weights_select_examples(trained, digits):
    _, _, x, y = digits
    weights = np.zeros(len(x), "float32")
    weights[:200] = 1.0
    kwargs = {"corruptions": {"feature_mask": [0.25]}, "attacks": (), "verbose": 0}
    kwargs["batch_size"] = 200
    weighted = evaluate(trained, (x, y, weights), **kwargs)
    first_half = evaluate(trained, (x[:200], y[:200]), **kwargs)
    assert weighted["clean"] == pytest.approx(first_half["clean"])
    assert weighted["feature_mask"][0.25] == pytest.approx(first_half["feature_mask"][0.25])


def test_other_metrics(trained, digits):
    _, _, x, y = digits
    kwargs = {"corruptions": {"jitter": [0.3]}, "attacks": (), "verbose": 0}
    accuracy = evaluate(trained, (x, y), **kwargs)
    top3 = evaluate(
        trained, (x, y), metric=keras.metrics.SparseTopKCategoricalAccuracy(k=3), **kwargs
    )
    assert top3.metric == "sparse_top_k_categorical_accuracy"
    assert top3["clean"] >= accuracy["clean"]
    assert top3["jitter"][0.3] >= accuracy["jitter"][0.3]
    one_hot = evaluate(trained, (x, np.eye(10, dtype="float32")[y]), **kwargs)
    assert one_hot == accuracy  # categorical accuracy picked from the label shape


def test_tabular_data_skips_occlusion_by_default():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(64, 5)).astype("float32")
    y = (x.sum(axis=1) > 2.5).astype("int32")
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, activation="softmax")])
    result = evaluate(model, (x, y), attacks=(), verbose=0)
    assert list(result) == ["clean", "jitter", "salt_and_pepper", "feature_mask"]
    for name in ("occlusion", "fog"):
        with pytest.raises(ValueError, match=rf"Invalid shape for `data`: corruption '{name}' "):
            evaluate(model, (x, y), corruptions=[name], attacks=(), verbose=0)


def test_the_progress_bar_reports_every_batch(trained, digits, monkeypatch):
    _, _, x, y = digits
    updates = []

    class RecordingProgbar(keras.utils.Progbar):
        def update(self, current, values=None, finalize=None):
            updates.append((current, dict(values or [])))

    monkeypatch.setattr(keras.utils, "Progbar", RecordingProgbar)
    evaluate(trained, (x, y), corruptions=(), attacks=(), batch_size=100, verbose=1)
    assert [step for step, _ in updates] == [1, 2, 3, 4]
    assert all(0.0 <= values["accuracy"] <= 1.0 for _, values in updates)


# ---------------------------------------------------------------------------- corruptions
def test_package_corruptions_do_what_their_severity_says():
    x = np.full((200, 10, 10, 1), 0.5, "float32")
    jittered = np.asarray(kn.robustness.corrupt(x, "jitter", 0.2, seed=0))
    assert abs(float(np.std(jittered)) - 0.2) < 0.01 and jittered.min() >= 0.0
    salted = np.asarray(kn.robustness.corrupt(x, "salt_and_pepper", 0.1, seed=0))
    assert abs(float(np.mean(salted != 0.5)) - 0.1) < 0.01
    assert abs(float(np.mean(salted == 1.0)) - 0.05) < 0.01
    masked = np.asarray(kn.robustness.corrupt(x, "feature_mask", 0.3, seed=0))
    assert abs(float(np.mean(masked == 0.0)) - 0.3) < 0.01
    holes = np.asarray(
        kn.robustness.corrupt(np.ones((50, 10, 10, 1), "float32"), "occlusion", 0.25, seed=0)
    )
    # A 5x5 hole, clipped at the border: at most a quarter of each image.
    assert (holes == 0).mean(axis=(1, 2, 3)).max() == pytest.approx(0.25)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_occlusion_hides_at_most_the_nominal_area_of_non_square_images(seed):
    images = np.ones((400, 12, 20, 1), "float32")
    hidden = 1.0 - np.asarray(kn.robustness.corrupt(images, "occlusion", 0.25, seed=seed))
    per_image = hidden.mean(axis=(1, 2, 3))
    assert per_image.max() <= 0.25 + 1e-6
    # Centers are uniform, so border clipping hides ~56% of the nominal area on average.
    assert 0.10 < per_image.mean() < 0.20


# --------------------------------------------------------------------------- bad arguments
def test_data_without_labels_is_refused(trained, digits):
    _, _, x, _ = digits
    with pytest.raises(ValueError, match=r"Invalid value for `data`: expected labelled data"):
        evaluate(trained, x, verbose=0)
    with pytest.raises(ValueError, match=r"robustness needs labels"):
        evaluate(trained, tf.data.Dataset.from_tensor_slices(x).batch(32), verbose=0)
    with pytest.raises(ValueError, match=r"robustness needs labels"):
        evaluate(trained, (x, None), verbose=0)


def test_unknown_names_list_the_known_ones(trained, digits):
    _, _, x, y = digits
    with pytest.raises(
        ValueError,
        match=r"Invalid value for `corruptions`: expected names of known corruptions: "
        r"'gaussian_noise', 'shot_noise', .*'jpeg_compression', 'jitter', 'salt_and_pepper', "
        r"'occlusion', 'feature_mask' \(unknown: 'blur'\)",
    ):
        evaluate(trained, (x, y), corruptions=["gaussian_noise", "blur"], verbose=0)
    with pytest.raises(ValueError, match=r"known attacks: 'fgsm', 'pgd' \(unknown: 'cw'\)"):
        evaluate(trained, (x, y), attacks={"cw": [0.1]}, verbose=0)


def test_bad_severities_and_options_get_clear_errors(trained, digits):
    _, _, x, y = digits
    data = (x[:16], y[:16])
    with pytest.raises(ValueError, match=r"corruptions\['salt_and_pepper'\] \(rate\)`: .*\[0, 1\]"):
        evaluate(trained, data, corruptions={"salt_and_pepper": [0.1, 1.5]}, verbose=0)
    with pytest.raises(ValueError, match=r"corruptions\['jitter'\] \(sigma\)`.*>= 0"):
        evaluate(trained, data, corruptions={"jitter": [-0.1]}, verbose=0)
    with pytest.raises(
        ValueError, match=r"corruptions\['fog'\] \(level\)`: expected an integer in \[1, 5\]"
    ):
        evaluate(trained, data, corruptions={"fog": [0]}, verbose=0)
    with pytest.raises(ValueError, match=r"Invalid value for `calibration`: expected True or"):
        evaluate(trained, data, calibration="yes", verbose=0)
    with pytest.raises(ValueError, match=r"attacks\['fgsm'\] \(epsilon\)`: expected a float >= 0"):
        evaluate(trained, data, attacks={"fgsm": [-0.1]}, verbose=0)
    with pytest.raises(ValueError, match=r"Invalid value for `value_range`.*low < high"):
        evaluate(trained, data, value_range=(1.0, 0.0), verbose=0)
    with pytest.raises(ValueError, match=r"Invalid value for `pgd_steps`"):
        evaluate(trained, data, pgd_steps=0, verbose=0)


def test_attacks_without_a_loss_fail_before_evaluating(digits):
    _, _, x, y = digits
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    )
    with pytest.raises(ValueError, match=r"Invalid value for `loss`.*not compiled with a loss"):
        evaluate(model, (x, y), verbose=0)
    result = evaluate(
        model,
        (x, y),
        attacks=["fgsm"],
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        corruptions=(),
        verbose=0,
    )
    assert list(result) == ["clean", "fgsm"]


# ------------------------------------------------------------------------------ the result
def test_result_is_a_mapping_with_json_and_markdown_exports():
    result = _result()
    assert dict(result) == {
        "clean": 0.9,
        "jitter": {0.1: 0.85, 0.3: 0.7},
        "fgsm": {0.1: 0.5, 0.2: 0.2},
    }
    assert len(result) == 3 and "fgsm" in result
    with pytest.raises(KeyError, match=r"available keys: \['clean', 'jitter', 'fgsm'\]"):
        result["pgd"]
    data = json.loads(result.to_json())
    assert data["curves"]["fgsm"] == {
        "kind": "attack",
        "severity_name": "epsilon",
        "points": [[0.1, 0.5], [0.2, 0.2]],
    }
    assert RobustnessResult.from_json(result.to_json()) == result
    markdown = result.to_markdown()
    assert markdown.splitlines()[:3] == [
        "| perturbation | severity | accuracy |",
        "|---|---|---:|",
        "| clean | - | 0.900 |",
    ]
    assert "| fgsm | epsilon = 0.2 | 0.200 |" in markdown


def test_to_dataframe_with_and_without_pandas(monkeypatch):
    result = _result()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"to_dataframe\(\) needs pandas.*pip install pandas"):
        result.to_dataframe()
    monkeypatch.undo()
    import pandas

    frame = result.to_dataframe()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 5
    assert list(frame.columns) == ["perturbation", "kind", "severity_name", "severity", "accuracy"]


# ------------------------------------------------------------------------------------ plot
def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_valid_png(tmp_path, full_result):
    other = RobustnessResult.from_dict({**full_result.to_dict(), "clean": full_result.clean - 0.01})
    path = plot({"baseline": full_result, "other": other}, tmp_path / "robustness.png", title="t")
    assert path == tmp_path / "robustness.png"
    width, height = _png_size(path)
    assert width >= 800 and height >= 500  # 3 x 2 panels
    assert path.stat().st_size > 20_000
    single = plot({"only": _result()}, tmp_path / "single.png")
    assert _png_size(single)[0] >= 400


def test_plot_bad_input_and_missing_matplotlib(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match=r"Invalid value for `results_by_model`: expected a non-"):
        plot({}, tmp_path / "x.png")
    with pytest.raises(TypeError, match=r"Invalid type for `results_by_model\['a'\]`"):
        plot({"a": {"clean": 0.9}}, tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"results that share one metric"):
        plot({"a": _result(), "b": _result(metric="auc")}, tmp_path / "x.png")
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"needs matplotlib.*keras-noise\[demo\]"):
        plot({"a": _result()}, tmp_path / "x.png")
