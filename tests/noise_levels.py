"""What each registry layer's strength means, measured on its output (`LayerCase.level`).

A `NoiseLevel` says which strength the level tests assign (never the constructor's value, so a
layer that ignores the assignment is caught), how to measure the level on one call's output, and
the interval the documented level lies in at that strength. The intervals are at least four
standard errors wide around the documented value (computed from the docstrings' formulas, not
from the implementation), so they hold for any seed in practice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np


@dataclasses.dataclass(frozen=True)
class NoiseLevel:
    """How a registry case's strength shows in its output.

    Attributes:
        strength: the value the tests assign to `layer.strength`.
        measure: `(layer, x, y) -> float`, the level of one call: `x` the float32 (or integer)
            NumPy inputs (for batch cases the element dict), `y` the output as NumPy.
        expected: `strength -> (low, high)`, the documented level's acceptance interval.
        batch: the batch size of a measurement.
        calls: how many calls' levels are averaged (noise drawn once per call needs several).
    """

    strength: float
    measure: Callable
    expected: Callable[[float], tuple[float, float]]
    batch: int = 32
    calls: int = 1


def within(relative: float) -> Callable[[float], tuple[float, float]]:
    """The documented level is the strength itself, up to a relative tolerance."""
    return lambda s: (s * (1 - relative), s * (1 + relative))


def around(formula: Callable[[float], float], width: float) -> Callable:
    """The documented level is `formula(strength)`, up to an absolute tolerance."""
    return lambda s: (formula(s) - width, formula(s) + width)


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype="float32")


# ----------------------------------------------------------------------------- measurements
def additive_std(layer, x, y) -> float:
    """The standard deviation of `y - x` (additive noise of stddev `strength`)."""
    return float(np.std(_f32(y) - _f32(x)))


def additive_std_inside(low: float, high: float) -> Callable:
    """`additive_std` over inputs in `[low, high]`, where clipping to a value range cannot act."""

    def measure(layer, x, y):
        inside = (_f32(x) >= low) & (_f32(x) <= high)
        return float(np.std((_f32(y) - _f32(x))[inside]))

    return measure


def relative_std(layer, x, y) -> float:
    """The standard deviation of `y / x - 1` (multiplicative noise `x * (1 + stddev * e)`)."""
    x, y = _f32(x), _f32(y)
    away_from_zero = np.abs(x) > 0.2
    return float(np.std(y[away_from_zero] / x[away_from_zero] - 1.0))


def changed_entries(layer, x, y) -> float:
    """The fraction of entries that differ from the input."""
    return float(np.mean(np.asarray(y) != np.asarray(x)))


def zeroed_entries(layer, x, y) -> float:
    """The fraction of entries set to zero (dropout on inputs that are never zero)."""
    return float(np.mean(_f32(y) == 0.0))


def changed_examples(layer, x, y) -> float:
    """The fraction of examples with at least one changed entry."""
    changed = np.asarray(y) != np.asarray(x)
    return float(np.mean(changed.reshape(len(changed), -1).any(axis=1)))


def zeroed_examples(layer, x, y) -> float:
    """The fraction of examples set to zero entirely (inputs that are never zero)."""
    y = _f32(y)
    return float(np.mean((y.reshape(len(y), -1) == 0.0).all(axis=1)))


def changed_steps(layer, x, y) -> float:
    """The fraction of time steps (axis 1) with a changed entry."""
    changed = np.asarray(y) != np.asarray(x)
    return float(np.mean(changed.reshape(*changed.shape[:2], -1).any(axis=2)))


def bands_applied(max_width: int, num_bands: int) -> Callable[[float], float]:
    """P(an example is changed) for `band_mask`: a band changes it iff applied with width > 0."""
    return lambda rate: 1.0 - (1.0 - rate * max_width / (max_width + 1)) ** num_bands


def relative(formula: Callable[[float], float], tolerance: float) -> Callable:
    """The documented level is `formula(strength)`, up to a relative tolerance."""
    return lambda s: (formula(s) * (1 - tolerance), formula(s) * (1 + tolerance))


def per_example_rate(strength: float = 0.5, batch: int = 256, formula=lambda s: s) -> NoiseLevel:
    """A strength that is the probability that an example is changed (`formula(rate)`)."""
    width = binomial_width(formula(strength), batch)
    return NoiseLevel(strength, changed_examples, around(formula, width), batch=batch)


def per_entry_rate(strength: float, decisions: int, measure=None, formula=lambda s: s, batch=64):
    """A strength that is the probability that an entry is changed; `decisions` independent."""
    width = binomial_width(formula(strength), decisions)
    return NoiseLevel(strength, measure or changed_entries, around(formula, width), batch=batch)


def binomial_width(p: float, n: int, sigmas: float = 5.0) -> float:
    """`sigmas` standard errors of a fraction with success probability `p` over `n` trials."""
    return sigmas * math.sqrt(max(p * (1 - p), 0.01) / n)


# ------------------------------------------------------------------------------ weight noise
def kernel_noise_variance(kind: str) -> Callable:
    """The per-entry noise variance of a wrapper's kernel, in units its strength documents.

    The inner layers of the registry are linear in their kernel, so with independent zero-mean
    noise `d` on the kernel entries, `E[(y_noisy - y_clean)^2] = inner_with_kernel(Var d)(x^2)`
    (and `Var d_bias` added for a dropped bias). The measure divides the mean squared output
    change by that prediction at unit variance factor, which estimates:

    * "dropconnect": `rate / (1 - rate)` (`Var d = K^2 rate / (1 - rate)`, entry dropped with
      probability `rate`, kept ones scaled by `1 / (1 - rate)`);
    * "relative_to_kernel": `stddev^2` (`Var d = stddev^2 * mean(K^2)`);
    * "relative_to_weight": `stddev^2` (`Var d = stddev^2 K^2`).
    """

    cache: dict = {}  # (layer, x) -> clean output and predicted variance at unit factor

    def predicted(layer, x):
        import keras

        key = (id(layer), id(x))
        if key not in cache:
            inner = layer.layer
            probe = type(inner).from_config(inner.get_config())
            probe.build(np.shape(x))
            values = []
            for variable in inner.weights:
                value = keras.ops.convert_to_numpy(variable).astype("float32")
                perturbed = variable.name.endswith(layer.target_suffixes)
                if perturbed and variable.name.endswith("kernel") and kind == "relative_to_kernel":
                    value = np.full_like(value, np.sqrt(np.mean(value**2)))
                values.append(value**2 if perturbed else np.zeros_like(value))
            probe.set_weights(values)
            # `layer` and `x` are kept alive with their entry, so their ids are not reused.
            cache[key] = (layer, x, _f32(inner(x)), float(np.mean(_f32(probe(_f32(x) ** 2)))))
        return cache[key][2:]

    def measure(layer, x, y):
        clean, unit = predicted(layer, x)
        return float(np.mean((_f32(y) - clean) ** 2) / unit)

    return measure


# ------------------------------------------------------------------------------------ mixing
def _own_shares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each mixed example's own share `lam` from `y_i = lam x_i + (1 - lam) x_j`, solving for the
    partner `j` (the candidate with the smallest residual) by least squares."""
    x = _f32(x).reshape(len(x), -1)
    y = _f32(y).reshape(len(y), -1)
    shares = []
    for i in range(len(x)):
        best = None
        for j in range(len(x)):
            if j == i:
                continue
            direction = x[i] - x[j]
            lam = float(np.dot(y[i] - x[j], direction) / np.dot(direction, direction))
            residual = float(np.sum((y[i] - x[j] - lam * direction) ** 2))
            if best is None or residual < best[0]:
                best = (residual, lam)
        shares.append(best[1])
    return np.asarray(shares)


def mixup_spread(layer, element, out) -> float:
    """The mean of `lam (1 - lam)` over the examples (MixUp's own share `lam`)."""
    lam = _own_shares(element["images"], out["images"])
    return float(np.mean(lam * (1.0 - lam)))


def beta_spread(alpha: float) -> float:
    """`E[lam (1 - lam)]` for `lam ~ Beta(alpha, alpha)`, also for `max(lam, 1 - lam)`."""
    return alpha / (2.0 * (2.0 * alpha + 1.0))


def cutmix_spread(channels_first: bool) -> Callable:
    """The mean of `a (1 - a)`, `a` the fraction of each image's pixels taken from its partner."""

    def measure(layer, element, out):
        changed = np.asarray(out["images"]) != np.asarray(element["images"])
        pixels = changed.any(axis=1 if channels_first else -1)
        area = pixels.reshape(len(pixels), -1).mean(axis=1)
        return float(np.mean(area * (1.0 - area)))

    return measure


def cutmix_expected_spread(height: int, width: int, draws: int = 200_000) -> Callable:
    """`E[a (1 - a)]` of the documented CutMix boxes (Monte Carlo in NumPy, fixed seed): a box of
    `round(sqrt(1 - lam) * side)` pixels per side, centred on a uniform pixel, clipped."""

    def expected(alpha: float) -> float:
        rng = np.random.default_rng(0)
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, draws))
        cut_h, cut_w = np.round(ratio * height).astype(int), np.round(ratio * width).astype(int)
        row, col = rng.integers(0, height, draws), rng.integers(0, width, draws)
        top, left = row - cut_h // 2, col - cut_w // 2
        rows = np.clip(top + cut_h, 0, height) - np.clip(top, 0, height)
        cols = np.clip(left + cut_w, 0, width) - np.clip(left, 0, width)
        area = rows * cols / (height * width)
        return float(np.mean(area * (1.0 - area)))

    return expected


def smoothed_share(layer, element, out) -> float:
    """`1 - max(label)`: label smoothing moves `epsilon (K - 1) / K` off the true class."""
    return float(np.mean(1.0 - _f32(out["labels"]).max(axis=-1)))
