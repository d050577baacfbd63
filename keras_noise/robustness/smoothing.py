"""Randomized smoothing: prediction under Gaussian input noise and certified L2 radii.

Cohen, Rosenfeld and Kolter, ICML 2019.

The smoothed classifier ``g(x) = argmax_c P(f(x + e) = c)``, ``e ~ N(0, stddev^2 I)``, is
estimated by Monte Carlo counts of the base model's top-1 class over noisy copies of each input.
Noisy copies are drawn and classified in batches of `batch_size` (many inputs times many
samples per forward pass), never one sample at a time. The statistics (a two-sided binomial
test, Clopper-Pearson bounds) use TensorFlow's regularized incomplete beta function, so no
SciPy is needed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from keras_noise._validation import check_float, check_int, invalid_value
from keras_noise.ops import random
from keras_noise.ops.random import NoiseSeedGenerator
from keras_noise.robustness.results import CertifiedAccuracy

__all__ = ["RandomizedSmoothing", "certified_accuracy"]

ABSTAIN = -1
_BISECTION_STEPS = 60


def _binomial_upper_tail(successes: np.ndarray, trials: np.ndarray, p) -> np.ndarray:
    """``P(X >= successes)`` for ``X ~ Binomial(trials, p)``, elementwise (0 < successes)."""
    k = tf.constant(successes, tf.float64)
    n = tf.constant(trials, tf.float64)
    return tf.math.betainc(k, n - k + 1.0, tf.constant(p, tf.float64)).numpy()


def clopper_pearson_lower(successes: Any, trials: Any, alpha: float) -> np.ndarray:
    """One-sided ``1 - alpha`` Clopper-Pearson lower bounds on a binomial proportion.

    Examples:
        >>> abs(float(clopper_pearson_lower(10, 10, 0.05)) - 0.05 ** (1 / 10)) < 1e-9
        True
    """
    successes = np.asarray(successes, np.float64)
    trials = np.broadcast_to(np.asarray(trials, np.float64), successes.shape)
    positive = successes > 0
    safe = np.where(positive, successes, 1.0)
    low = np.zeros(successes.shape)
    high = np.ones(successes.shape)
    for _ in range(_BISECTION_STEPS):  # P(X >= k; p) grows with p: bisect for = alpha
        middle = (low + high) / 2
        above = _binomial_upper_tail(safe, trials, middle) > alpha
        high = np.where(above, middle, high)
        low = np.where(above, low, middle)
    return np.where(positive, low, 0.0)


def _two_sided_p_value(top: np.ndarray, runner_up: np.ndarray) -> np.ndarray:
    """The two-sided binomial test of ``top`` successes in ``top + runner_up`` trials at 1/2."""
    trials = top + runner_up
    safe_top = np.maximum(top, 1)
    tail = _binomial_upper_tail(safe_top, np.maximum(trials, 1), np.full(top.shape, 0.5))
    return np.where(trials > 0, np.minimum(1.0, 2.0 * tail), 1.0)


class RandomizedSmoothing:
    """A base classifier smoothed by Gaussian noise: Monte Carlo prediction and certification.

    Args:
        model: a Keras classifier whose output has `num_classes` scores per example (logits or
            probabilities; only the argmax is used).
        stddev: the noise's standard deviation sigma, in input units, > 0.
        num_classes: the number of classes, >= 2.
        batch_size: noisy examples per forward pass, >= 1.
        seed: an int >= 0 for reproducible noise (each call continues the same stream), or
            None.

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        >>> kernel = np.array([[0.0, 1.0], [0.0, 0.0]], "float32")
        >>> model.set_weights([kernel, np.zeros(2, "float32")])
        >>> smoothed = kn.robustness.RandomizedSmoothing(model, stddev=0.5, num_classes=2, seed=0)
        >>> x = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]], "float32")
        >>> smoothed.predict(x, num_samples=200, alpha=0.001).tolist()
        [1, 0, -1]
        >>> classes, radii = smoothed.certify(x[:1], 100, 2000, alpha=0.001)
        >>> int(classes[0]), bool(0.8 < radii[0] < 1.0)  # the exact radius is 1.0
        (1, True)

    References:
        Cohen, Rosenfeld and Kolter, "Certified Adversarial Robustness via Randomized
        Smoothing", ICML 2019.
    """

    def __init__(
        self,
        model: keras.Model,
        *,
        stddev: float,
        num_classes: int,
        batch_size: int = 1000,
        seed: int | None = None,
    ):
        self.model = model
        self.stddev = check_float("stddev", stddev, low=0.0, low_inclusive=False)
        self.num_classes = check_int("num_classes", num_classes, low=2)
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.seed_generator = NoiseSeedGenerator(seed, name="randomized_smoothing_seed")
        self._count_functions: dict[int, Any] = {}

    # ------------------------------------------------------------------------------ counting
    def _count_function(self, samples: int):
        """A traced ``(inputs, seed) -> counts`` for `samples` noisy copies of every input."""
        if samples not in self._count_functions:
            model, stddev, num_classes = self.model, self.stddev, self.num_classes

            def counts(inputs, seed):
                shape = tf.shape(inputs)
                copies = tf.repeat(inputs, samples, axis=0)
                noisy = copies + stddev * random.normal(tf.shape(copies), seed, copies.dtype)
                scores = model(noisy, training=False)
                if scores.shape[-1] != num_classes:
                    raise ValueError(
                        f"Invalid model for RandomizedSmoothing: expected {num_classes} scores "
                        f"per example (num_classes={num_classes}). Received: model output "
                        f"shape {tuple(scores.shape)}"
                    )
                votes = tf.one_hot(tf.argmax(scores, axis=-1), num_classes, dtype=tf.int32)
                votes = tf.reshape(votes, tf.stack([shape[0], samples, num_classes]))
                return tf.reduce_sum(votes, axis=1)

            self._count_functions[samples] = tf.function(counts, reduce_retracing=True)
        return self._count_functions[samples]

    def counts(self, x: Any, num_samples: int) -> np.ndarray:
        """How often the base model predicts each class on `num_samples` noisy copies of each input.

        Returns:
            int64 counts of shape `(len(x), num_classes)`, each row summing to `num_samples`.
        """
        x = _check_inputs(x)
        num_samples = check_int("num_samples", num_samples, low=1)
        total = np.zeros((len(x), self.num_classes), np.int64)
        if len(x) == 0:
            return total
        inputs_per_pass = max(1, self.batch_size // num_samples)
        samples_per_pass = min(num_samples, self.batch_size)
        for start in range(0, len(x), inputs_per_pass):
            chunk = x[start : start + inputs_per_pass]
            remaining = num_samples
            while remaining > 0:
                samples = min(samples_per_pass, remaining)
                counted = self._count_function(samples)(chunk, self.seed_generator.next())
                total[start : start + len(chunk)] += counted.numpy()
                remaining -= samples
        return total

    # ---------------------------------------------------------------------------- predict
    def predict(self, x: Any, num_samples: int, alpha: float = 0.001) -> np.ndarray:
        """Cohen et al.'s PREDICT: the smoothed class, or -1 (abstain) when not significant.

        The top two classes of `num_samples` noisy votes are compared by a two-sided binomial
        test; the top class is returned when its p-value is <= `alpha`, so a returned class
        differs from the smoothed classifier's with probability at most `alpha`.

        Args:
            x: a batch of float inputs.
            num_samples: noisy copies per input; at least ``log2(2 / alpha)``, below which no
                vote could be significant.
            alpha: the test's level, in (0, 1).

        Returns:
            int64 classes of shape `(len(x),)`, -1 where the prediction abstains.

        Raises:
            ValueError: for `alpha` outside (0, 1) or too few samples to ever decide.
        """
        alpha = _check_alpha(alpha)
        num_samples = check_int("num_samples", num_samples, low=1)
        needed = math.ceil(math.log2(2.0 / alpha))
        if num_samples < needed:
            raise invalid_value(
                "num_samples",
                f"at least {needed} samples: with fewer, even unanimous votes have a two-sided "
                f"binomial p-value 2 * 0.5**num_samples > alpha={alpha:g}, so every prediction "
                "would abstain",
                num_samples,
            )
        counts = self.counts(x, num_samples)
        order = np.argsort(-counts, axis=1, kind="stable")
        top, second = order[:, 0], order[:, 1]
        rows = np.arange(len(counts))
        p_values = _two_sided_p_value(counts[rows, top], counts[rows, second])
        return np.where(p_values <= alpha, top, ABSTAIN).astype(np.int64)

    # ---------------------------------------------------------------------------- certify
    def certify(
        self,
        x: Any,
        num_samples_selection: int,
        num_samples_estimation: int,
        alpha: float = 0.001,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cohen et al.'s CERTIFY: the smoothed class and its certified L2 radius.

        The top class is selected with `num_samples_selection` noisy votes; its probability
        p_A is bounded below by the one-sided Clopper-Pearson bound at level `alpha` from
        `num_samples_estimation` fresh votes. If the bound exceeds 1/2 the class is returned with
        radius ``stddev * Phi^-1(p_A_lower)``: with probability >= 1 - alpha the smoothed
        classifier predicts it everywhere within that L2 distance. Otherwise -1 and radius 0.

        Args:
            x: a batch of float inputs.
            num_samples_selection: votes to select the class (n0 in the paper), >= 1.
            num_samples_estimation: votes to bound its probability (n); more than
                ``log2(1 / alpha)``, below which even unanimous votes cannot certify.
            alpha: the failure probability, in (0, 1).

        Returns:
            `(classes, radii)`: int64 classes (-1: abstain) and float64 radii (0 on abstain),
            each of shape `(len(x),)`.

        Raises:
            ValueError: for `alpha` outside (0, 1) or too few estimation samples.
        """
        alpha = _check_alpha(alpha)
        num_samples_selection = check_int("num_samples_selection", num_samples_selection, low=1)
        n = check_int("num_samples_estimation", num_samples_estimation, low=1)
        best_bound = alpha ** (1.0 / n)  # the Clopper-Pearson bound of n successes out of n
        if best_bound <= 0.5:
            needed = math.floor(math.log(alpha) / math.log(0.5)) + 1
            raise invalid_value(
                "num_samples_estimation",
                f"at least {needed} samples to certify at alpha={alpha:g}: even {n} of {n} "
                f"votes give a lower bound of {best_bound:.3f} <= 0.5 on p_A",
                num_samples_estimation,
            )
        selected = self.counts(x, num_samples_selection).argmax(axis=1)
        counts = self.counts(x, n)
        successes = counts[np.arange(len(counts)), selected]
        lower = clopper_pearson_lower(successes, n, alpha)
        certified = lower > 0.5
        normal = statistics.NormalDist()
        radii = np.array(
            [
                self.stddev * normal.inv_cdf(p) if ok else 0.0
                for p, ok in zip(lower, certified, strict=True)
            ],
            np.float64,
        )
        classes = np.where(certified, selected, ABSTAIN).astype(np.int64)
        return classes, radii


def certified_accuracy(
    classes: Any,
    radii: Any,
    labels: Any,
    *,
    stddev: float,
    radius_grid: Sequence[float] | None = None,
) -> CertifiedAccuracy:
    """The fraction of examples certified correct at each radius (the certified-accuracy curve).

    Args:
        classes: `certify`'s classes (-1: abstain).
        radii: `certify`'s radii.
        labels: the true integer labels.
        stddev: the smoothing noise's sigma (recorded with the curve).
        radius_grid: radii at which to read the curve (default: 0 to the largest radius
            certified, in 20 steps).

    Examples:
        >>> curve = certified_accuracy([1, 0, -1], [0.5, 0.2, 0.0], [1, 1, 0], stddev=0.25,
        ...                            radius_grid=[0.0, 0.3])
        >>> curve.accuracy
        (0.3333333333333333, 0.3333333333333333)
    """
    classes = np.asarray(classes).reshape(-1)
    radii = np.asarray(radii, np.float64).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    if not len(classes) == len(radii) == len(labels):
        raise invalid_value(
            "labels",
            "as many labels as classes and radii",
            f"<{len(labels)} labels, {len(classes)} classes, {len(radii)} radii>",
        )
    if radius_grid is None:
        largest = float(radii.max()) if len(radii) else 0.0
        radius_grid = np.linspace(0.0, largest, 21)
    grid = tuple(float(r) for r in radius_grid)
    correct = classes == labels
    accuracy = tuple(float(np.mean(correct & (radii >= r))) if len(radii) else 0.0 for r in grid)
    return CertifiedAccuracy(
        stddev=float(stddev),
        radii=grid,
        accuracy=accuracy,
        abstained=float(np.mean(classes == ABSTAIN)) if len(classes) else 0.0,
        num_examples=len(classes),
    )


def _check_alpha(alpha: Any) -> float:
    return check_float("alpha", alpha, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)


def _check_inputs(x: Any) -> tf.Tensor:
    if isinstance(x, (dict, list, tuple)) and not isinstance(x, np.ndarray):
        x = np.asarray(x)
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(
            "Invalid dtype for `x`: RandomizedSmoothing adds Gaussian noise to float inputs "
            f"(cast integer images to float first). Received: dtype={x.dtype.name}"
        )
    if x.shape.rank is None or x.shape.rank < 2:
        raise invalid_value("x", "a batch of inputs (rank >= 2)", f"<shape {tuple(x.shape)}>")
    return x
