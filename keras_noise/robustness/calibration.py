"""Calibration: does confidence match accuracy? ECE, MCE, NLL, Brier score, reliability bins.

`calibration(y_true, y_prob)` measures a classifier's predicted probabilities against labels;
`CalibrationAccumulator` does the same over batches (what `evaluate(calibration=True)` uses).
Everything is computed in float64 NumPy: these are measurements, not graph ops.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from keras_noise._validation import check_int, invalid_value

__all__ = ["Calibration", "CalibrationAccumulator", "calibration"]

_SUM_TOLERANCE = 1e-3
_LOG_FLOOR = 1e-12


@dataclasses.dataclass(frozen=True)
class Calibration:
    """The calibration of a classifier's probabilities, overall and per confidence bin.

    Attributes:
        ece: expected calibration error: ``sum_b (n_b / n) * |accuracy_b - confidence_b|`` over
            equal-width bins of the top-class confidence (Guo et al., 2017).
        max_calibration_error: the largest ``|accuracy_b - confidence_b|`` over non-empty bins.
        nll: mean negative log-likelihood of the true class (natural log).
        brier: mean multi-class Brier score, ``sum_k (p_k - y_k)^2`` per example.
        accuracy: top-1 accuracy.
        bin_edges: the `num_bins + 1` bin edges on [0, 1]; bin b holds confidences in
            ``(edges[b], edges[b + 1]]`` (the first also holds 0).
        bin_confidence: mean confidence per bin (NaN for empty bins).
        bin_accuracy: accuracy per bin (NaN for empty bins).
        bin_count: (weighted) number of examples per bin.
        num_examples: (weighted) number of examples.
    """

    ece: float
    max_calibration_error: float
    nll: float
    brier: float
    accuracy: float
    bin_edges: tuple[float, ...]
    bin_confidence: tuple[float, ...]
    bin_accuracy: tuple[float, ...]
    bin_count: tuple[float, ...]
    num_examples: float

    def to_dict(self) -> dict:
        """A JSON-ready dict (NaN as None)."""
        return {key: _json_ready(value) for key, value in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """The inverse of `to_dict`."""
        values = {
            key: tuple(np.nan if v is None else float(v) for v in value)
            if isinstance(value, list)
            else value
            for key, value in data.items()
        }
        return cls(**values)


def _json_ready(value):
    if isinstance(value, tuple):
        return [None if np.isnan(v) else v for v in value]
    return value


def _as_probabilities(y_prob: Any) -> np.ndarray:
    probs = np.asarray(y_prob, dtype=np.float64)
    if probs.ndim == 1 or (probs.ndim == 2 and probs.shape[1] == 1):
        probs = probs.reshape(-1, 1)
        probs = np.concatenate([1.0 - probs, probs], axis=1)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise invalid_value(
            "y_prob",
            "class probabilities of shape (num_examples, num_classes), or (num_examples,) for "
            "binary classifiers",
            f"<array of shape {probs.shape}>",
        )
    if not np.all(np.isfinite(probs)) or probs.min() < 0.0 or probs.max() > 1.0:
        raise invalid_value(
            "y_prob",
            "probabilities in [0, 1] (softmax or sigmoid outputs, not logits)",
            f"<values in [{probs.min():g}, {probs.max():g}]>",
        )
    sums = probs.sum(axis=1)
    if np.abs(sums - 1.0).max() > _SUM_TOLERANCE:
        raise invalid_value(
            "y_prob",
            f"probabilities whose rows sum to 1 (within {_SUM_TOLERANCE:g}; softmax outputs, "
            "not logits or independent sigmoids)",
            f"<rows summing to {sums.min():g} ... {sums.max():g}>",
        )
    return probs


def _as_targets(y_true: Any, num_classes: int, num_examples: int) -> np.ndarray:
    labels = np.asarray(y_true)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim == 1:
        if labels.shape[0] != num_examples:
            raise invalid_value(
                "y_true", f"{num_examples} labels (one per row of y_prob)", f"<{labels.shape}>"
            )
        as_int = labels.astype(np.int64)
        if not np.all(as_int == labels) or as_int.min() < 0 or as_int.max() >= num_classes:
            raise invalid_value(
                "y_true",
                f"integer class labels in [0, {num_classes})",
                f"<labels in [{labels.min()}, {labels.max()}]>",
            )
        return np.eye(num_classes)[as_int]
    if labels.shape != (num_examples, num_classes):
        raise invalid_value(
            "y_true",
            f"integer labels ({num_examples},) or one-hot labels ({num_examples}, {num_classes})",
            f"<array of shape {labels.shape}>",
        )
    return labels.astype(np.float64)


class CalibrationAccumulator:
    """Accumulates calibration statistics over batches; `result()` gives a `Calibration`.

    Examples:
        >>> acc = CalibrationAccumulator(num_bins=10)
        >>> acc.update([0, 1], [[0.9, 0.1], [0.2, 0.8]])
        >>> acc.update([1], [[0.7, 0.3]])
        >>> round(acc.result().accuracy, 4)
        0.6667
    """

    def __init__(self, num_bins: int = 15):
        self.num_bins = check_int("num_bins", num_bins, low=1)
        self._count = np.zeros(self.num_bins)
        self._confidence = np.zeros(self.num_bins)
        self._correct = np.zeros(self.num_bins)
        self._nll = 0.0
        self._brier = 0.0

    def update(self, y_true: Any, y_prob: Any, sample_weight: Any = None) -> None:
        """Adds a batch: labels (integer or one-hot) and probabilities (rows sum to 1)."""
        probs = _as_probabilities(y_prob)
        targets = _as_targets(y_true, probs.shape[1], probs.shape[0])
        weights = np.ones(len(probs)) if sample_weight is None else np.asarray(sample_weight)
        weights = weights.reshape(-1).astype(np.float64)
        confidence = probs.max(axis=1)
        correct = (probs.argmax(axis=1) == targets.argmax(axis=1)).astype(np.float64)
        index = np.clip(np.ceil(confidence * self.num_bins).astype(np.int64) - 1, 0, None)
        index = np.minimum(index, self.num_bins - 1)
        self._count += np.bincount(index, weights, self.num_bins)
        self._confidence += np.bincount(index, weights * confidence, self.num_bins)
        self._correct += np.bincount(index, weights * correct, self.num_bins)
        log_probs = np.log(np.maximum(probs, _LOG_FLOOR))
        self._nll += float(np.sum(weights * -(targets * log_probs).sum(axis=1)))
        self._brier += float(np.sum(weights * ((probs - targets) ** 2).sum(axis=1)))

    def result(self) -> Calibration:
        """The calibration of everything added so far (NaN everywhere if nothing was)."""
        total = self._count.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            confidence = np.where(self._count > 0, self._confidence / self._count, np.nan)
            accuracy = np.where(self._count > 0, self._correct / self._count, np.nan)
        gaps = np.abs(accuracy - confidence)
        filled = self._count > 0
        if total > 0:
            ece = float(np.sum(self._count[filled] * gaps[filled]) / total)
            mce = float(gaps[filled].max())
            nll, brier = self._nll / total, self._brier / total
            top1 = float(self._correct.sum() / total)
        else:
            ece = mce = nll = brier = top1 = float("nan")
        return Calibration(
            ece=ece,
            max_calibration_error=mce,
            nll=float(nll),
            brier=float(brier),
            accuracy=top1,
            bin_edges=tuple(np.linspace(0.0, 1.0, self.num_bins + 1).tolist()),
            bin_confidence=tuple(confidence.tolist()),
            bin_accuracy=tuple(accuracy.tolist()),
            bin_count=tuple(self._count.tolist()),
            num_examples=float(total),
        )


def calibration(y_true: Any, y_prob: Any, *, num_bins: int = 15) -> Calibration:
    """Measures how well predicted probabilities match accuracy.

    Args:
        y_true: integer class labels `(n,)` (or `(n, 1)`), or one-hot / soft labels `(n, k)`
            (the argmax is the class for accuracy; NLL and Brier use the full distribution).
        y_prob: predicted probabilities `(n, k)` whose rows sum to 1, or `(n,)` / `(n, 1)`
            probabilities of the positive class of a binary classifier.
        num_bins: the number of equal-width bins of the top-class confidence on [0, 1], >= 1.

    Returns:
        A `Calibration` with `.ece`, `.max_calibration_error`, `.nll`, `.brier`, `.accuracy`
        and per-bin `.bin_confidence`, `.bin_accuracy`, `.bin_count`.

    Raises:
        ValueError: for probabilities outside [0, 1] or rows that do not sum to 1 (logits),
            labels out of range or of a shape that does not match, or `num_bins` < 1.

    Examples:
        >>> import keras_noise as kn
        >>> result = kn.robustness.calibration([0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4],
        ...                                                   [0.7, 0.3]], num_bins=5)
        >>> round(result.ece, 4), round(result.brier, 4), result.bin_count
        (0.3, 0.25, (0.0, 0.0, 1.0, 2.0, 1.0))
        >>> kn.robustness.calibration([0], [[2.0, -1.0]])
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `y_prob`: expected probabilities in [0, 1] ...

    References:
        Guo, Pleiss, Sun and Weinberger, "On Calibration of Modern Neural Networks", ICML 2017.
    """
    accumulator = CalibrationAccumulator(num_bins)
    accumulator.update(y_true, y_prob)
    return accumulator.result()
