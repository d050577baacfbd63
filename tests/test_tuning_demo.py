"""The demo's tuning step sees only training examples, and scores clean and noisy images."""

import numpy as np

from keras_noise.demo import tuning_step
from keras_noise.demo.data import load_digits_split


def _rows(images):
    return {image.tobytes() for image in images}


def test_the_validation_split_is_carved_from_the_training_examples_only():
    split = load_digits_split(300, seed=1)
    (x_fit, y_fit), (x_val, y_val) = tuning_step.validation_split(split, seed=1)
    assert len(y_fit) + len(y_val) == 300 and len(y_val) == 75
    assert _rows(x_fit) | _rows(x_val) <= _rows(split.x_train)
    assert not _rows(x_fit) & _rows(x_val)
    assert np.bincount(y_val, minlength=10).min() >= 7  # stratified: every digit is there


def test_scoring_data_is_the_validation_images_clean_then_under_gaussian_noise():
    split = load_digits_split(300, seed=0)
    _, (x_val, y_val) = tuning_step.validation_split(split, seed=0)
    x, y = tuning_step.scoring_data(x_val, y_val, seed=0)
    clean, noisy = x[: len(x_val)], x[len(x_val) :]
    np.testing.assert_array_equal(clean, x_val)
    np.testing.assert_array_equal(y, np.concatenate([y_val, y_val]))
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0  # clipped to the pixel range
    inside = (x_val > 0.05) & (x_val < 0.95)
    # sigma 0.3, a little less where clipping to [0, 1] bites (sigma 0.1 would give ~0.1)
    assert 0.2 < float(np.std((noisy - x_val)[inside])) < 0.31
