"""robustness.calibration: ECE, MCE, NLL, Brier and reliability bins; evaluate(calibration=True)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_noise as kn
from keras_noise.robustness import CalibrationAccumulator, calibration


def test_hand_computed_example():
    y = [0, 1, 1, 0]
    p = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]]
    result = calibration(y, p, num_bins=5)
    # Bins (0.4, 0.6]: conf .6, wrong; (0.6, 0.8]: confs .8 and .7, both right; (0.8, 1]: .9 right.
    assert result.bin_count == (0.0, 0.0, 1.0, 2.0, 1.0)
    assert result.bin_accuracy[2:] == (0.0, 1.0, 1.0)
    assert result.bin_confidence[3] == pytest.approx(0.75)
    assert result.ece == pytest.approx((0.6 + 2 * 0.25 + 0.1) / 4)
    assert result.max_calibration_error == pytest.approx(0.6)
    assert result.accuracy == pytest.approx(0.75)
    assert result.nll == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.4, 0.7])))
    assert result.brier == pytest.approx((0.02 + 0.08 + 0.72 + 0.18) / 4)
    assert np.isnan(result.bin_accuracy[0])


def test_calibrated_and_overconfident_predictions():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, size=200_000)
    correct = rng.uniform(size=confidence.size) < confidence  # right with probability = confidence
    labels = np.where(correct, 0, 1)
    probs = np.stack([confidence, 1 - confidence], axis=1)
    calibrated = calibration(labels, probs)
    assert calibrated.ece < 0.01
    overconfident = np.stack([np.full_like(confidence, 0.99), np.full_like(confidence, 0.01)], 1)
    result = calibration(labels, overconfident)
    assert result.ece == pytest.approx(0.99 - correct.mean(), abs=1e-9)
    assert result.ece > 0.2 and result.nll > calibrated.nll


def test_label_and_probability_formats_agree():
    labels = np.array([0, 2, 1, 1])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3], [0.5, 0.25, 0.25]])
    sparse = calibration(labels, probs, num_bins=10).to_dict()
    assert calibration(np.eye(3)[labels], probs, num_bins=10).to_dict() == sparse
    assert calibration(labels[:, None], probs, num_bins=10).to_dict() == sparse
    binary = calibration([1, 0, 1], [0.8, 0.3, 0.4], num_bins=10)
    two_class = calibration([1, 0, 1], [[0.2, 0.8], [0.7, 0.3], [0.6, 0.4]], num_bins=10)
    assert binary.to_dict() == two_class.to_dict()


def test_accumulated_batches_equal_one_call_and_weights_select():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(100, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 4, size=100)
    acc = CalibrationAccumulator(num_bins=8)
    for start in range(0, 100, 30):
        acc.update(labels[start : start + 30], probs[start : start + 30])
    whole = calibration(labels, probs, num_bins=8)
    assert acc.result().ece == pytest.approx(whole.ece)
    assert acc.result().nll == pytest.approx(whole.nll)
    weighted = CalibrationAccumulator(num_bins=8)
    weighted.update(labels, probs, sample_weight=(np.arange(100) < 40).astype(float))
    assert weighted.result().ece == pytest.approx(
        calibration(labels[:40], probs[:40], num_bins=8).ece
    )


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match=r"`y_prob`: expected probabilities whose rows sum to 1"):
        calibration([0, 1], [[0.5, 0.6], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"`y_prob`: expected probabilities in \[0, 1\]"):
        calibration([0], [[3.0, -1.0]])
    with pytest.raises(ValueError, match=r"`y_true`: expected integer class labels in \[0, 2\)"):
        calibration([0, 2], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"`y_true`: expected 2 labels"):
        calibration([0, 1, 1], [[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"`num_bins`: expected an integer >= 1"):
        calibration([0], [[0.5, 0.5]], num_bins=0)
    with pytest.raises(ValueError, match=r"`y_prob`: expected class probabilities of shape"):
        calibration([], np.zeros((0, 3)))


def test_evaluate_reports_ece_clean_and_under_corruptions():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(96, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    result = kn.robustness.evaluate(
        model,
        (x, y),
        corruptions={"fog": [1, 5]},
        attacks=(),
        calibration=True,
        num_bins=10,
        batch_size=32,
        verbose=0,
    )
    probs = np.asarray(model.predict(x, verbose=0))
    assert result.ece["clean"] == pytest.approx(calibration(y, probs, num_bins=10).ece, abs=1e-6)
    seeds = [
        tf.random.experimental.stateless_fold_in(tf.constant([0, 0], tf.int64), step, alg="philox")
        for step in (1, 2, 3)
    ]
    fog = kn.robustness.CORRUPTIONS["fog"]
    foggy_x = np.concatenate(
        [np.asarray(fog.apply(tf.constant(x[32 * i : 32 * i + 32]), 5, seeds[i])) for i in range(3)]
    )
    foggy = np.asarray(model.predict(foggy_x, verbose=0))
    assert result.ece["fog"][5] == pytest.approx(calibration(y, foggy, num_bins=10).ece, abs=1e-6)
    assert kn.robustness.RobustnessResult.from_json(result.to_json()) == result
    assert "| clean | - |" in result.to_markdown() and "ECE |" in result.to_markdown()
    logits = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(2)]
    )
    logits.set_weights([np.full((64, 2), 1.0, "float32"), np.zeros(2, "float32")])
    with pytest.raises(ValueError, match=r"`y_prob`: expected probabilities .*not logits"):
        kn.robustness.evaluate(
            logits, (x, y), corruptions=(), attacks=(), calibration=True, verbose=0
        )
