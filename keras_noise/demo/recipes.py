"""The demo's recipes, written with the public API exactly as a user would write them.

Every recipe trains the same small network on 8x8x1 digits in [0, 1] (10 classes); the baseline
is that network without any noise. A recipe says how to build the compiled model and, when the
noise lives in the data pipeline, how to build the `tf.data` pipeline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

import keras_noise as kn

NUM_CLASSES = 10
BATCH_SIZE = 32


def network(*, hidden_noise: Callable[[], list] = list, dense=None) -> list[keras.layers.Layer]:
    """The shared network body: Conv16-Conv32-[hidden noise]-Flatten-Dense64-Dense10."""
    dense = dense or keras.layers.Dense(64, activation="relu")
    return [
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        *hidden_noise(),
        keras.layers.Flatten(),
        dense,
        keras.layers.Dense(NUM_CLASSES, activation="softmax"),
    ]


def classifier(*layers: keras.layers.Layer) -> keras.Model:
    """A Sequential model on 8x8x1 digits made of `layers`."""
    return keras.Sequential([keras.Input((8, 8, 1)), *layers])


def compile_model(model, *, optimizer=None, loss="sparse_categorical_crossentropy"):
    """Compiles `model` (Adam 1e-3 unless `optimizer` is given) with accuracy; returns it."""
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(1e-3), loss=loss, metrics=["accuracy"]
    )
    return model


def plain_pipeline(x: np.ndarray, y: np.ndarray, seed: int) -> tf.data.Dataset:
    """Shuffled batches of `(x, y)`, without noise."""
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed).batch(BATCH_SIZE)


# ------------------------------------------------------------------------------------ recipes
def baseline(seed: int) -> keras.Model:
    """The network without any noise."""
    return compile_model(classifier(*network()))


def jitter(seed: int) -> keras.Model:
    """Gaussian input noise, clipped to the pixel range like the corrupted test images."""
    return compile_model(
        classifier(kn.layers.Jitter(stddev=0.3, value_range=(0, 1), seed=seed), *network())
    )


def cutout_mixup_pipeline(x: np.ndarray, y: np.ndarray, seed: int) -> tf.data.Dataset:
    """Cutout (a box per image, drawn per image) and MixUp of (images, labels), on batches.

    Mapping after `batch()` runs each layer once per batch rather than once per example: the
    same per-image noise, at a fraction of the `tf.data` overhead.
    """
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed)
        .batch(BATCH_SIZE)
        .map(kn.layers.Cutout(size_fraction=0.5, seed=seed))
        .map(kn.layers.MixUp(alpha=0.2, num_classes=NUM_CLASSES, seed=seed))
    )


def cutout_mixup(seed: int) -> keras.Model:
    """Cutout + MixUp: the network trained on soft (mixed) labels."""
    return compile_model(classifier(*network()), loss="categorical_crossentropy")


def label_smoothing_pipeline(x: np.ndarray, y: np.ndarray, seed: int) -> tf.data.Dataset:
    """Shuffled batches whose labels are smoothed: 10% of each label's mass spread uniformly."""
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed)
        .batch(BATCH_SIZE)
        .map(kn.layers.LabelSmoothing(smoothing=0.1, num_classes=NUM_CLASSES))
    )


def label_smoothing(seed: int) -> keras.Model:
    """Label smoothing (epsilon 0.1): the network trained on smoothed labels."""
    return compile_model(classifier(*network()), loss="categorical_crossentropy")


def activation_dropconnect(seed: int) -> keras.Model:
    """Gaussian noise on hidden activations and DropConnect on the hidden dense layer."""
    return compile_model(
        classifier(
            *network(
                hidden_noise=lambda: [kn.layers.ActivationNoise(stddev=0.3, seed=seed)],
                dense=kn.layers.DropConnect(
                    keras.layers.Dense(64, activation="relu"), rate=0.3, seed=seed
                ),
            )
        )
    )


def gradient_noise(seed: int) -> keras.Model:
    """Annealed Gaussian gradient noise around Adam."""
    optimizer = kn.optimizers.GradientNoise(keras.optimizers.Adam(1e-3), eta=0.001, seed=seed)
    return compile_model(classifier(*network()), optimizer=optimizer)


def fgsm_adversarial(seed: int) -> keras.Model:
    """FGSM adversarial training: every batch is attacked at epsilon 0.15."""
    model = kn.adversarial.AdversarialModel(
        classifier(*network()), method="fgsm", epsilon=0.15, ratio=1.0, seed=seed
    )
    return compile_model(model)


def recommended(seed: int, *, jitter: float, epsilon: float) -> keras.Model:
    """Input Jitter and FGSM on half of each batch, strengths picked by kn.tuning.sweep.

    The demo picks `jitter` (sigma) and `epsilon` per seed on a validation split of the training
    examples (`keras_noise.demo.tuning_step`).
    """
    inner = classifier(kn.layers.Jitter(stddev=jitter, value_range=(0, 1), seed=seed), *network())
    model = kn.adversarial.AdversarialModel(
        inner, method="fgsm", epsilon=epsilon, ratio=0.5, seed=seed
    )
    return compile_model(model)


def no_callbacks(epochs: int) -> list[keras.callbacks.Callback]:
    """Recipes without a schedule."""
    return []


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A named way to train: how to build the compiled model and the training pipeline."""

    name: str
    build: Callable[[int], keras.Model]
    pipeline: Callable[[np.ndarray, np.ndarray, int], tf.data.Dataset] = plain_pipeline
    callbacks: Callable[[int], list[keras.callbacks.Callback]] = no_callbacks

    @property
    def description(self) -> str:
        return (self.build.__doc__ or "").strip().splitlines()[0]


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe("baseline", baseline),
        Recipe("jitter", jitter),
        Recipe("cutout_mixup", cutout_mixup, cutout_mixup_pipeline),
        Recipe("label_smoothing", label_smoothing, label_smoothing_pipeline),
        Recipe("activation_dropconnect", activation_dropconnect),
        Recipe("gradient_noise", gradient_noise),
        Recipe("fgsm_adversarial", fgsm_adversarial),
        Recipe("recommended", recommended),
    )
}
RECOMMENDED = "recommended"
