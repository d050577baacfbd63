"""Tabular data: scikit-learn's bundled breast-cancer (classification) and diabetes (regression).

Both ship inside the scikit-learn wheel (`sklearn/datasets/data/`); nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

from keras_noise.demo.datasets.base import Split, package_dir, standardize, stratified_split

TEST_FRACTION = 0.3


def _sklearn_loader(name: str):
    package_dir("sklearn", pip_name="scikit-learn")  # a clear error before the import fails
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")


def load_breast_cancer_split(seed: int) -> Split:
    """Breast cancer (569 tumours, 30 features, 2 classes), a stratified 70/30 split.

    Features are standardized with the training statistics, so 0 is a feature's mean: the
    usual stand-in for a missing value.

    Examples:
        >>> split = load_breast_cancer_split(0)
        >>> split.x_train.shape, split.x_test.shape, split.num_classes
        ((398, 30), (171, 30), 2)
    """
    data = _sklearn_loader("breast_cancer")()
    labels = data.target.astype("int32")
    train, test = stratified_split(labels, test_fraction=TEST_FRACTION, seed=seed)
    x_train, x_test = standardize(data.data[train], data.data[test])
    return Split(x_train, labels[train], x_test, labels[test], num_classes=2)


def load_diabetes_split(seed: int) -> Split:
    """Diabetes progression (442 patients, 10 features, a float target), a random 70/30 split.

    Features and target are standardized with the training statistics (R² does not change).

    Examples:
        >>> split = load_diabetes_split(0)
        >>> split.x_train.shape, split.num_classes, abs(float(split.y_train.mean())) < 1e-5
        ((309, 10), None, True)
    """
    data = _sklearn_loader("diabetes")(scaled=False)
    target = data.target.astype("float64")
    train, test = stratified_split(target, test_fraction=TEST_FRACTION, seed=seed)
    x_train, x_test = standardize(data.data[train], data.data[test])
    y_train, y_test = standardize(target[train], target[test])
    return Split(x_train, y_train, x_test, np.asarray(y_test), num_classes=None)
