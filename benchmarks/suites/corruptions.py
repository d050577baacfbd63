"""The ImageNet-C / CIFAR-10-C suite: `kn.robustness.corrupt` against `imagecorruptions`.

Workload: 32x32x3 images, all 18 corruptions of the suite (frost is in neither candidate) at
severities 1-5. `imagecorruptions` (Michaelis et al., the per-image NumPy/scikit-image/OpenCV
package of the paper's formulas) corrupts one uint8 image per call; keras-noise corrupts a batch
of float images per traced call. Both are timed in the same rounds, the peer on fewer images (it
is ~100x slower per image): the items column is images x corruptions x severities, and the
target bounds the time ratio by the ratio of workloads divided by 10, i.e. keras-noise must
corrupt >= 10x as many images per second. Corrupting 10,000 images (the issue's workload) is
this group's time scaled linearly: per-image cost does not depend on the count for the peer,
and keras-noise's batches are already large (1,000 images).

imagecorruptions 1.1.2 predates NumPy 2 and scikit-image 0.19: `np.float_` and
`gaussian(multichannel=True)` are mapped to their current spellings here (benchmark process
only), with no change to its formulas. Install it with ``pip install "keras-noise[bench]"``.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from benchmarks.harness import Candidate, Group, Target
from keras_noise.robustness import SUITE, corrupt

SEVERITIES = (1, 2, 3, 4, 5)


def _imagecorruptions():
    try:
        if not hasattr(np, "float_"):
            np.float_ = np.float64  # removed in NumPy 2.0; imagecorruptions' fog uses it
        import imagecorruptions
        import imagecorruptions.corruptions as module
    except ImportError as error:
        raise ImportError(
            "The corruptions benchmark compares against imagecorruptions: "
            '`pip install "keras-noise[bench]"` (or `pip install imagecorruptions`).'
        ) from error
    gaussian = module.gaussian
    if getattr(gaussian, "__name__", "") != "_gaussian_compat":

        def _gaussian_compat(*args, multichannel=None, **kwargs):
            if multichannel:
                kwargs["channel_axis"] = -1
            return gaussian(*args, **kwargs)

        module.gaussian = _gaussian_compat
    return imagecorruptions.corrupt


def _images(count: int) -> np.ndarray:
    """Smooth random images (upsampled coarse noise): the data is not what is measured."""
    coarse = np.random.default_rng(0).uniform(0.05, 0.95, size=(count, 8, 8, 3)).astype("float32")
    return tf.image.resize(coarse, (32, 32)).numpy()


def _keras_noise(names, count: int, label: str = "keras-noise") -> Candidate:
    images = tf.constant(_images(count))
    functions = {}

    def setup():
        for name in names:
            for severity in SEVERITIES:
                functions[name, severity] = tf.function(
                    lambda x, name=name, severity=severity: corrupt(x, name, severity, seed=0)
                )

    def run():
        for function in functions.values():
            function(images).numpy()

    return Candidate(label, run, items=count * len(names) * len(SEVERITIES), setup=setup)


def _peer(names, count: int) -> Candidate:
    ic_corrupt = _imagecorruptions()
    images = np.round(_images(count) * 255).astype(np.uint8)

    def run():
        np.random.seed(0)  # imagecorruptions draws from NumPy's global generator
        for name in names:
            for severity in SEVERITIES:
                for image in images:
                    ic_corrupt(image, corruption_name=name, severity=severity)

    return Candidate("imagecorruptions", run, items=count * len(names) * len(SEVERITIES))


def _group(title: str, names, ours: int, theirs: int, target: bool) -> Group:
    bound = ours / theirs / 10
    return Group(
        name=title,
        unit="images",
        candidates=[_keras_noise(names, ours), _peer(names, theirs)],
        targets=[
            Target(
                "keras-noise",
                "imagecorruptions",
                bound,
                f">= 10x images/s ({ours} vs {theirs} images per corruption and severity)",
            )
        ]
        if target
        else [],
    )


def groups(quick: bool) -> list[Group]:
    ours, theirs = (50, 2) if quick else (1000, 10)
    whole = _group(
        f"all {len(SUITE)} corruptions x 5 severities, 32x32x3", SUITE, ours, theirs, True
    )
    if quick:
        return [whole]
    return [whole] + [
        _group(f"{name} x 5 severities, 32x32x3", (name,), ours, theirs, False) for name in SUITE
    ]
