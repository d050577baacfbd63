"""The demo's data: scikit-learn's bundled digits, scaled to [0, 1], with a stratified split."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Split:
    """Train and test arrays: images (N, 8, 8, 1) float32 in [0, 1], integer labels (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(self.y_train.max()) + 1


def available_examples() -> int:
    """How many digits scikit-learn ships."""
    from sklearn.datasets import load_digits

    return len(load_digits().target)


def load_digits_split(train_size: int, seed: int) -> Split:
    """A stratified split with `train_size` training examples; the rest is the test set.

    Args:
        train_size: the number of training examples.
        seed: the seed of the split.

    Returns:
        The split, images scaled from [0, 16] to [0, 1].
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.images / 16.0).astype("float32")[..., None]
    labels = digits.target.astype("int32")
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, train_size=train_size, stratify=labels, random_state=seed
    )
    return Split(x_train, y_train, x_test, y_test)
