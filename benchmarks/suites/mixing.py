"""MixUp and CutMix in `tf.data` against Keras' MixUp and CutMix and KerasCV's CutMix.

Every candidate maps the same batched element, the dict ``{"images": x, "labels": y}`` with
one-hot float labels that Keras and KerasCV layers take, over the same pipeline; only the layer
differs. The steady MixUp groups also time the floor of any MixUp there: the same map scaling
the images (one read and one write of them, no draw, no partner).

The pipelines are timed in steady state: one iterator per candidate, made before the rounds,
and each run pulls `batches` elements from it, as the batches of a long `fit` epoch are. Making
an iterator costs about 0.1 s here (TensorFlow optimizes and instantiates the dataset graph,
which holds the constant batch) whatever the layer, so `benchmarks.common.dataset_candidate`,
which makes one per run, would mostly time that and squeeze every ratio towards 1.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

import keras_noise as kn
from benchmarks.common import (
    on_dict,
    on_images,
    random_batch,
    small_data,
    small_data_epoch_candidate,
)
from benchmarks.harness import Candidate, Figure, Group, Target
from benchmarks.peak_rss import VARIANTS, peak_rss_mib

NUM_CLASSES = 10

try:  # an optional peer
    import keras_cv
except ImportError:  # pragma: no cover - depends on the environment
    keras_cv = None


def steady_dataset_candidate(
    label: str, element, map_fn, *, batches: int, items_per_batch: int
) -> Candidate:
    """Times `batches` steps of `from_tensors(element).repeat().map(map_fn)`, in steady state.

    The prefetch that `tf.data` injects by default is turned off: it would compute a batch in
    the background while the other candidates of a round are timed.
    """
    options = tf.data.Options()
    options.experimental_optimization.inject_prefetch = False
    dataset = tf.data.Dataset.from_tensors(element).repeat().map(map_fn).with_options(options)
    state = {}

    def setup():
        state["iterator"] = iter(dataset)

    def run():
        iterator = state["iterator"]
        for _ in range(batches):
            next(iterator)

    return Candidate(label, run, items=batches * items_per_batch, setup=setup)


def _element(shape) -> dict:
    labels = np.eye(NUM_CLASSES, dtype="float32")[np.arange(shape[0]) % NUM_CLASSES]
    return {"images": random_batch(shape), "labels": tf.constant(labels)}


def _one_pass(element: dict) -> dict:
    """The floor of any MixUp: the map, and one read and one write of the images, no draw."""
    return {**element, "images": element["images"] * 0.7}


def _mixup_group(shape, batches) -> Group:
    element = _element(shape)
    common = {"batches": batches, "items_per_batch": shape[0]}
    return Group(
        name=f"MixUp, tf.data map, batch {shape}",
        unit="images",
        candidates=[
            steady_dataset_candidate(
                "kn.MixUp", element, kn.layers.MixUp(alpha=0.2, seed=0), **common
            ),
            steady_dataset_candidate(
                "keras MixUp", element, keras.layers.MixUp(alpha=0.2, seed=0), **common
            ),
            steady_dataset_candidate("floor: one pass, x * 0.7", element, _one_pass, **common),
        ],
        targets=[Target("kn.MixUp", "keras MixUp", 1 / 1.5, "MixUp >= 1.5x keras MixUp")],
    )


def _cutmix_group(shape, batches) -> Group:
    element = _element(shape)
    common = {"batches": batches, "items_per_batch": shape[0]}
    candidates = [
        steady_dataset_candidate(
            "kn.CutMix", element, kn.layers.CutMix(alpha=1.0, seed=0), **common
        ),
        steady_dataset_candidate("keras CutMix", element, keras.layers.CutMix(seed=0), **common),
    ]
    targets = [Target("kn.CutMix", "keras CutMix", 1 / 3, "CutMix >= 3x keras CutMix")]
    if keras_cv is not None:
        cv_cutmix = keras_cv.layers.CutMix(alpha=1.0, seed=0)
        candidates.append(steady_dataset_candidate("keras_cv CutMix", element, cv_cutmix, **common))
        targets.append(
            Target("kn.CutMix", "keras_cv CutMix", 1 / 2, "CutMix >= 2x keras_cv CutMix")
        )
    return Group(
        name=f"CutMix, tf.data map, batch {shape}",
        unit="images",
        candidates=candidates,
        targets=targets,
    )


def _epoch_group(quick: bool) -> Group:
    """MixUp and CutMix epochs on small data, and the demo's Cutout -> batch -> MixUp pipeline."""
    data = small_data(quick)
    area = (0.19, 0.19)  # Cutout(size_fraction=0.5)'s expected clipped area (see the masking suite)
    erasing = keras.layers.RandomErasing(factor=(1.0, 1.0), scale=area, value_range=(0, 1), seed=0)
    keras_mixup = keras.layers.MixUp(alpha=0.2, seed=0)
    return Group(
        name="MixUp, CutMix, small-data epoch, new iterator, 1,536 images 32x32x3, batch 64",
        unit="images",
        candidates=[
            small_data_epoch_candidate("kn.MixUp", data, kn.layers.MixUp(alpha=0.2, seed=0)),
            small_data_epoch_candidate("keras MixUp", data, on_dict(keras_mixup)),
            small_data_epoch_candidate("kn.CutMix", data, kn.layers.CutMix(alpha=1.0, seed=0)),
            small_data_epoch_candidate("keras CutMix", data, on_dict(keras.layers.CutMix(seed=0))),
            small_data_epoch_candidate(
                "kn.Cutout -> batch -> kn.MixUp",
                data,
                kn.layers.MixUp(alpha=0.2, seed=1),
                example_fn=kn.layers.Cutout(size_fraction=0.5, seed=1),
            ),
            small_data_epoch_candidate(
                "keras RandomErasing -> batch -> MixUp",
                data,
                on_dict(keras.layers.MixUp(alpha=0.2, seed=1)),
                example_fn=on_images(erasing, training=True),
            ),
        ],
        targets=[
            Target("kn.MixUp", "keras MixUp", 1.0, "MixUp epoch <= 1.0x keras MixUp"),
            Target("kn.CutMix", "keras CutMix", 1.0, "CutMix epoch <= 1.0x keras CutMix"),
            Target(
                "kn.Cutout -> batch -> kn.MixUp",
                "keras RandomErasing -> batch -> MixUp",
                1.0,
                "Cutout->MixUp epoch <= 1.0x Keras' pipeline",
            ),
        ],
    )


def groups(quick: bool) -> list[Group]:
    if quick:
        return [
            _mixup_group((8, 16, 16, 3), 4),
            _cutmix_group((8, 16, 16, 3), 4),
            _epoch_group(quick),
        ]
    return [
        _epoch_group(quick),
        _mixup_group((128, 64, 64, 3), 100),
        _mixup_group((256, 32, 32, 3), 100),
        _cutmix_group((128, 64, 64, 3), 50),
        _cutmix_group((256, 32, 32, 3), 50),
    ]


def figures(quick: bool) -> list[Figure]:
    """Peak RSS of 20 small-data epochs of Cutout -> batch -> MixUp, each variant in its own
    process (keras-noise, Keras' RandomErasing + MixUp, and no augmentation as the floor)."""
    epochs = 2 if quick else 20
    values = {variant: peak_rss_mib(variant, epochs=epochs, quick=quick) for variant in VARIANTS}
    labels = {
        "kn": "kn.Cutout -> batch -> kn.MixUp",
        "keras": "keras RandomErasing -> batch -> MixUp",
        "none": "no augmentation",
    }
    return [
        Figure(
            name=f"peak RSS, {epochs} small-data epochs, Cutout -> batch -> MixUp",
            unit="MiB",
            values={labels[variant]: value for variant, value in values.items()},
        )
    ]
