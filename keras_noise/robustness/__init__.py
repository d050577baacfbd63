"""Robustness as the field measures it, vectorized in TensorFlow, for Keras models.

* `corrupt` and `CORRUPTIONS`: the ImageNet-C / CIFAR-10-C corruption suite (integer severities
  1-5) as batched ops usable in `tf.data`, plus the package's own noise corruptions with
  continuous strengths (``jitter``, ``salt_and_pepper``, ``occlusion``, ``feature_mask``).
* `evaluate`: a model's metric clean, under corruptions and under FGSM/PGD, optionally with its
  calibration error at every point; returns a `RobustnessResult` (plain numbers, exportable to
  JSON, Markdown and pandas).
* `corruption_errors`: CE, mCE and relative mCE against a baseline result.
* `calibration`: ECE, maximum calibration error, NLL, Brier score and reliability bins.
* `RandomizedSmoothing`: certified L2 radii by Gaussian noise at test time, and
  `certified_accuracy` curves.
* `plot`, `plot_corruption_errors`, `plot_reliability`, `plot_certified_accuracy`: PNG figures.

Examples:
    >>> from keras_noise import robustness
    >>> robustness.SUITE[:4]
    ('gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise')
    >>> len(robustness.SUITE), robustness.CORRUPTIONS["jitter"].severity_name
    (18, 'sigma')
"""

from keras_noise.robustness.calibration import Calibration, CalibrationAccumulator, calibration
from keras_noise.robustness.corruption_error import CorruptionErrors, corruption_errors
from keras_noise.robustness.corruptions import CORRUPTIONS, SUITE, Corruption, corrupt
from keras_noise.robustness.evaluation import ATTACKS, evaluate
from keras_noise.robustness.plotting import plot
from keras_noise.robustness.results import CertifiedAccuracy, Curve, RobustnessResult
from keras_noise.robustness.smoothing import RandomizedSmoothing, certified_accuracy
from keras_noise.robustness.summary_plots import (
    plot_certified_accuracy,
    plot_corruption_errors,
    plot_reliability,
)

__all__ = [
    "ATTACKS",
    "CORRUPTIONS",
    "SUITE",
    "Calibration",
    "CalibrationAccumulator",
    "CertifiedAccuracy",
    "Corruption",
    "CorruptionErrors",
    "Curve",
    "RandomizedSmoothing",
    "RobustnessResult",
    "calibration",
    "certified_accuracy",
    "corrupt",
    "corruption_errors",
    "evaluate",
    "plot",
    "plot_certified_accuracy",
    "plot_corruption_errors",
    "plot_reliability",
]
