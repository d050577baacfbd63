"""What every demo data loader shares: the split it returns and the package its files come from.

The data of the demo tasks ships inside pip packages (the `demo` extra). Loaders find a package's
folder with `importlib.util.find_spec`, which does not import the package: its data files are read
directly, so a heavy package costs nothing but its install.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np

EXTRA_HINT = 'pip install "keras-noise[demo]"'


class MissingDataPackageError(ImportError):
    """A demo task needs a dataset package that is not installed."""


@dataclasses.dataclass(frozen=True)
class Split:
    """Train and test arrays of one demo dataset.

    Attributes:
        x_train: training inputs (float32 features, series or spectrograms; int32 token ids).
        y_train: training targets: int32 class labels, or float32 standardized targets.
        x_test: test inputs, same layout as `x_train`.
        y_test: test targets, same kind as `y_train`.
        num_classes: the number of classes, or None for a regression target.
        vocabulary_size: for token ids, the size of the vocabulary (ids 0 = padding and 1 =
            unknown/masked token are reserved); None otherwise.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int | None
    vocabulary_size: int | None = None


def package_dir(module: str, *, pip_name: str, extra: str = "demo") -> Path:
    """The folder of an installed package, found without importing it.

    Args:
        module: the package's import name, e.g. "pyts".
        pip_name: its name on PyPI, for the error message.
        extra: the keras-noise extra that installs it.

    Returns:
        The package's folder.

    Raises:
        MissingDataPackageError: if the package is not installed; the message names the extra.

    Examples:
        >>> package_dir("keras_noise", pip_name="keras-noise").name
        'keras_noise'
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDataPackageError(
            f"this task reads data shipped in the `{pip_name}` package, which is not installed; "
            f'install the `{extra}` extra: pip install "keras-noise[{extra}]" '
            f"(or pip install {pip_name})"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def data_file(module: str, relative: str, *, pip_name: str) -> Path:
    """A data file inside an installed package; a clear error if the package or file is missing.

    Args:
        module: the package's import name.
        relative: the file's path inside the package folder.
        pip_name: the package's name on PyPI, for the error message.

    Returns:
        The file's path.

    Raises:
        MissingDataPackageError: if the package is not installed, or does not hold the file (another
            version of it).
    """
    path = package_dir(module, pip_name=pip_name) / relative
    if not path.is_file():
        raise MissingDataPackageError(
            f"the installed `{pip_name}` package has no file {relative!r}; reinstall the demo "
            f'extra: pip install --force-reinstall "keras-noise[demo]"'
        )
    return path


def standardize(train: np.ndarray, test: np.ndarray, *, axis=0) -> tuple[np.ndarray, np.ndarray]:
    """Scales both arrays with the training mean and standard deviation along `axis`.

    Examples:
        >>> import numpy as np
        >>> train, test = standardize(np.array([[0.0], [2.0]]), np.array([[4.0]]))
        >>> train.ravel().tolist(), test.ravel().tolist()
        ([-1.0, 1.0], [3.0])
    """
    mean = train.mean(axis=axis, keepdims=True)
    std = train.std(axis=axis, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return ((train - mean) / std).astype("float32"), ((test - mean) / std).astype("float32")


def stratified_split(labels: np.ndarray, *, test_fraction: float, seed: int):
    """Train and test indices, stratified by `labels` (or not, for float targets).

    Examples:
        >>> import numpy as np
        >>> labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
        >>> train, test = stratified_split(labels, test_fraction=0.5, seed=0)
        >>> sorted(labels[test].tolist())
        [0, 0, 1, 1]
    """
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(labels))
    stratify = labels if np.issubdtype(labels.dtype, np.integer) else None
    train, test = train_test_split(
        indices, test_size=test_fraction, stratify=stratify, random_state=seed
    )
    return np.sort(train), np.sort(test)
