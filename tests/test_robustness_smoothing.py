"""RandomizedSmoothing against a linear classifier, whose smoothed radius is known exactly."""

import keras
import numpy as np
import pytest

from keras_noise.robustness import RandomizedSmoothing, certified_accuracy
from keras_noise.robustness.smoothing import clopper_pearson_lower


def linear_classifier(normal=(0.6, 0.8), offset=0.0):
    """Class 1 where normal . x + offset > 0 (a unit normal: the margin is the L2 distance)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    weights = np.array([[0.0, normal[0]], [0.0, normal[1]]], "float32")
    model.set_weights([weights, np.array([0.0, offset], "float32")])
    return model


def test_certified_radius_approaches_the_distance_to_the_hyperplane_from_below():
    model = linear_classifier()
    distances = np.array([0.1, 0.3, 0.6])
    x = (distances[:, None] * np.array([0.6, 0.8])).astype("float32")  # on the class-1 side
    gaps = []
    for n in (1_000, 100_000):
        smoothed = RandomizedSmoothing(model, stddev=0.5, num_classes=2, batch_size=20_000, seed=0)
        classes, radii = smoothed.certify(x, 64, n, alpha=0.001)
        assert classes.tolist() == [1, 1, 1]
        assert np.all(radii < distances)  # a lower bound (holds with probability 1 - alpha)
        gaps.append(distances - radii)
    assert np.all(gaps[1] < gaps[0])
    assert np.all(gaps[1] < 0.03)  # 1e5 samples: p_A is bounded within ~0.005
    mirrored = RandomizedSmoothing(model, stddev=0.5, num_classes=2, seed=1)
    classes, radii = mirrored.certify(-x, 64, 10_000, alpha=0.001)
    assert classes.tolist() == [0, 0, 0] and np.all((radii < distances) & (radii > distances - 0.1))


def test_predict_abstains_near_the_boundary_and_counts_are_batched():
    model = linear_classifier()
    smoothed = RandomizedSmoothing(model, stddev=0.25, num_classes=2, batch_size=500, seed=0)
    x = np.array([[1.0, 1.0], [-1.0, -1.0], [0.0, 0.0]], "float32")
    assert smoothed.predict(x, 1000, alpha=0.001).tolist() == [1, 0, -1]
    counts = smoothed.counts(x, 1234)  # 1234 samples: chunks of 500 noisy copies
    assert counts.shape == (3, 2) and counts.sum(axis=1).tolist() == [1234] * 3
    assert 0.45 < counts[2, 1] / 1234 < 0.55
    again = RandomizedSmoothing(model, stddev=0.25, num_classes=2, batch_size=500, seed=0)
    again.predict(x, 1000, alpha=0.001)
    np.testing.assert_array_equal(again.counts(x, 1234), counts)


def test_clopper_pearson_matches_closed_forms():
    n = np.array([10, 50])
    np.testing.assert_allclose(clopper_pearson_lower(n, n, 0.01), 0.01 ** (1 / n), rtol=1e-9)
    assert clopper_pearson_lower(0, 10, 0.01) == 0.0
    # k = 1: P(X >= 1) = 1 - (1 - p)^n = alpha.
    assert float(clopper_pearson_lower(1, 20, 0.05)) == pytest.approx(1 - 0.95 ** (1 / 20))


def test_certified_accuracy_curve():
    curve = certified_accuracy(
        [1, 1, 0, -1], [0.5, 0.2, 0.8, 0.0], [1, 0, 0, 1], stddev=0.25, radius_grid=[0, 0.5, 1]
    )
    assert curve.accuracy == (0.5, 0.5, 0.0) and curve.abstained == 0.25
    default = certified_accuracy([1], [0.4], [1], stddev=0.25)
    assert default.radii[0] == 0.0 and default.radii[-1] == pytest.approx(0.4)


def test_bad_arguments_get_clear_errors():
    model = linear_classifier()
    smoothed = RandomizedSmoothing(model, stddev=0.5, num_classes=2, seed=0)
    x = np.zeros((1, 2), "float32")
    with pytest.raises(
        ValueError,
        match=r"`num_samples_estimation`: expected at least 10 samples to certify at "
        r"alpha=0.001: even 9 of 9 votes give a lower bound of 0.464",
    ):
        smoothed.certify(x, 10, 9, alpha=0.001)
    with pytest.raises(ValueError, match=r"`num_samples`: expected at least 11 samples"):
        smoothed.predict(x, 10, alpha=0.001)
    with pytest.raises(ValueError, match=r"`alpha`: expected a float in \(0, 1\)"):
        smoothed.predict(x, 100, alpha=1.0)
    with pytest.raises(ValueError, match=r"`stddev`: expected a float > 0"):
        RandomizedSmoothing(model, stddev=0.0, num_classes=2)
    with pytest.raises(ValueError, match=r"`num_classes`: expected an integer >= 2"):
        RandomizedSmoothing(model, stddev=0.1, num_classes=1)
    with pytest.raises(ValueError, match=r"expected 3 scores per example .*output shape"):
        RandomizedSmoothing(model, stddev=0.1, num_classes=3).counts(x, 4)
    with pytest.raises(TypeError, match=r"Invalid dtype for `x`"):
        smoothed.counts(np.zeros((1, 2), "int32"), 4)
