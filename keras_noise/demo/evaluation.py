"""The demo's robustness evaluation: the corruption suite, FGSM and PGD, calibration, certification.

For every trained model (recipe x seed), on the test digits:

* accuracy clean, under the package's jitter (sigma 0.1-0.3), salt-and-pepper and occlusion
  and under FGSM, on the whole test set, with the expected calibration error at every point;
* accuracy and ECE under the ImageNet-C suite at levels 1-5 (17 corruptions: `saturate` needs
  color), for mCE against the baseline, on the first `SUITE_IMAGES` test digits (85 corrupted
  copies of the test set per model are the demo's largest cost);
* PGD in the L-inf and L2 norms with `PGD_STEPS` steps and `PGD_RESTARTS` random restarts (an
  example counts as robust only if it survives every restart), on the first `PGD_IMAGES` test
  digits, so gradient masking against the one-step attack does not pass for robustness;
* for `CERTIFIED_RECIPES`, randomized-smoothing certification (`RandomizedSmoothing`,
  sigma `CERTIFY_STDDEV`) of the first `CERTIFY_IMAGES` test digits, as a certified-accuracy
  curve over L2 radii. The sample counts are modest to keep the demo within minutes: with
  n = `CERTIFY_SAMPLES` and alpha = 0.001 the largest certifiable radius is
  ``sigma * Phi^-1(0.001 ** (1 / n))`` (about 0.55 at sigma 0.25).
"""

from __future__ import annotations

import numpy as np

import keras_noise as kn
from keras_noise.ops.random import NoiseSeedGenerator
from keras_noise.robustness import Curve, RobustnessResult

JITTER_SIGMAS = [0.1, 0.2, 0.3]
PACKAGE_CORRUPTIONS = {"jitter": JITTER_SIGMAS, "salt_and_pepper": [0.1], "occlusion": [0.25]}
FGSM_EPSILONS = [0.05, 0.1, 0.2]
PGD_EPSILONS = {"linf": [0.1, 0.2], "l2": [1.0]}
PGD_STEPS = 10
PGD_RESTARTS = 2
PGD_IMAGES = 300
SUITE_IMAGES = 500
CERTIFIED_RECIPES = ("baseline", "jitter", "fgsm_adversarial")
CERTIFY_STDDEV = 0.25
CERTIFY_IMAGES = 100
CERTIFY_SELECTION = 32
CERTIFY_SAMPLES = 500
CERTIFY_ALPHA = 0.001
CERTIFY_RADII = tuple(np.round(np.arange(0.0, 0.61, 0.05), 2).tolist())
NUM_BINS = 15


def suite(channels: int) -> dict[str, list]:
    """The suite at levels 1-5: the corruptions that take this many channels."""
    return {
        name: [1, 2, 3, 4, 5]
        for name in kn.robustness.SUITE
        if channels in kn.robustness.CORRUPTIONS[name].channels
    }


def settings() -> dict:
    """What the evaluation measures, for the report's JSON."""
    return {
        "suite_levels": [1, 2, 3, 4, 5],
        "package_corruptions": PACKAGE_CORRUPTIONS,
        "fgsm_epsilons": FGSM_EPSILONS,
        "pgd_epsilons": PGD_EPSILONS,
        "pgd_steps": PGD_STEPS,
        "pgd_restarts": PGD_RESTARTS,
        "pgd_images": PGD_IMAGES,
        "suite_images": SUITE_IMAGES,
        "certified_recipes": list(CERTIFIED_RECIPES),
        "certify": {
            "stddev": CERTIFY_STDDEV,
            "images": CERTIFY_IMAGES,
            "selection_samples": CERTIFY_SELECTION,
            "estimation_samples": CERTIFY_SAMPLES,
            "alpha": CERTIFY_ALPHA,
        },
        "ece_bins": NUM_BINS,
    }


def pgd_with_restarts(model, x, y, epsilon: float, norm: str, seed: int) -> float:
    """Accuracy under PGD with restarts: correct only if correct after every restart."""
    generator = NoiseSeedGenerator(seed)
    robust = np.ones(len(y), bool)
    for _ in range(PGD_RESTARTS):
        adversarial = kn.adversarial.pgd(
            model, x, y, epsilon, steps=PGD_STEPS, norm=norm, clip=(0.0, 1.0), seed=generator
        )
        predicted = np.asarray(model(adversarial, training=False)).argmax(axis=-1)
        robust &= predicted == y
    return float(robust.mean())


class Evaluator:
    """Evaluates the demo's models and pools their clean calibration per recipe over seeds."""

    def __init__(self):
        self.pooled: dict[str, kn.robustness.CalibrationAccumulator] = {}

    def evaluate(self, recipe: str, model, x_test, y_test, *, seed: int) -> RobustnessResult:
        """The full evaluation of one trained model; `model` is compiled with its loss."""
        common = {"calibration": True, "num_bins": NUM_BINS, "seed": seed, "verbose": 0}
        result = kn.robustness.evaluate(
            model,
            (x_test, y_test),
            corruptions=PACKAGE_CORRUPTIONS,
            attacks={"fgsm": FGSM_EPSILONS},
            batch_size=len(x_test),
            **common,
        )
        on_suite = kn.robustness.evaluate(
            model,
            (x_test[:SUITE_IMAGES], y_test[:SUITE_IMAGES]),
            corruptions=suite(x_test.shape[-1]),
            attacks=(),
            batch_size=SUITE_IMAGES,
            **common,
        )
        curves = {**on_suite.curves, **result.curves}
        ece = {**{k: v for k, v in on_suite.ece.items() if k != "clean"}, **result.ece}
        x_pgd, y_pgd = x_test[:PGD_IMAGES], y_test[:PGD_IMAGES]
        for norm, epsilons in PGD_EPSILONS.items():
            values = tuple(pgd_with_restarts(model, x_pgd, y_pgd, e, norm, seed) for e in epsilons)
            name = f"pgd_{norm}"
            curves[name] = Curve(name, "attack", f"epsilon ({norm})", tuple(epsilons), values)
        result = RobustnessResult(
            result.metric,
            result.clean,
            curves,
            num_examples=result.num_examples,
            ece=ece,
        )
        probs = np.asarray(model.predict(x_test, verbose=0, batch_size=len(x_test)))
        pooled = self.pooled.setdefault(recipe, kn.robustness.CalibrationAccumulator(NUM_BINS))
        pooled.update(y_test, probs)
        if recipe in CERTIFIED_RECIPES:
            result = result.with_certified(certify(model, x_test, y_test, seed=seed))
        return result

    def calibrations(self) -> dict[str, kn.robustness.Calibration]:
        """Clean calibration per recipe, over the test sets of every seed."""
        return {recipe: acc.result() for recipe, acc in self.pooled.items()}


def certify(model, x_test, y_test, *, seed: int) -> kn.robustness.CertifiedAccuracy:
    """Certified accuracy of the smoothed model on the first `CERTIFY_IMAGES` test digits."""
    smoothed = kn.robustness.RandomizedSmoothing(
        model, stddev=CERTIFY_STDDEV, num_classes=10, batch_size=10_000, seed=seed
    )
    x, y = x_test[:CERTIFY_IMAGES], y_test[:CERTIFY_IMAGES]
    classes, radii = smoothed.certify(x, CERTIFY_SELECTION, CERTIFY_SAMPLES, alpha=CERTIFY_ALPHA)
    return kn.robustness.certified_accuracy(
        classes, radii, y, stddev=CERTIFY_STDDEV, radius_grid=CERTIFY_RADII
    )
