"""Tabular task: Gaussian input noise and feature masking on a table, target jitter on a regression.

Breast cancer (classification) and diabetes (regression), from scikit-learn's bundled files.
Recipes put the noise layers at the model's input (they are the identity at inference), except
target jitter, which perturbs the regression targets in the `tf.data` pipeline: noise on the
outputs, which the guides list next to inputs, weights, activations and gradients.
"""

from __future__ import annotations

import functools

import keras
import tensorflow as tf

import keras_noise as kn
from keras_noise.demo.datasets import Split, load_breast_cancer_split, load_diabetes_split
from keras_noise.demo.tasks.base import (
    Corruption,
    Experiment,
    Recipe,
    Task,
    gaussian_noise_corruption,
    noise_first_recipe,
)

JITTER_STDDEV = 0.3  # features are standardized: a fraction of each feature's spread
MASK_RATE = 0.2
TARGET_STDDEV = 0.3  # the target is standardized too


def mlp(split: Split, *noise: keras.layers.Layer) -> keras.Model:
    """`noise` layers, then Dense 64-64 and a softmax (classes) or linear (regression) output."""
    regression = split.num_classes is None
    model = keras.Sequential(
        [
            keras.Input((split.x_train.shape[1],)),
            *noise,
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1 if regression else split.num_classes),
            *([] if regression else [keras.layers.Softmax()]),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="mse" if regression else "sparse_categorical_crossentropy",
    )
    return model


_recipe = functools.partial(noise_first_recipe, mlp)


def _jitter(seed: int) -> keras.layers.Layer:
    return kn.layers.Jitter(stddev=JITTER_STDDEV, seed=seed)


def _feature_mask(seed: int) -> keras.layers.Layer:
    return kn.layers.FeatureMask(rate=MASK_RATE, seed=seed)


def target_jitter_pipeline(split: Split, seed: int, batch_size: int) -> tf.data.Dataset:
    """Shuffled batches whose float targets get Gaussian noise (std `TARGET_STDDEV`) per batch."""
    noise = kn.layers.Jitter(stddev=TARGET_STDDEV, seed=seed)
    return (
        tf.data.Dataset.from_tensor_slices((split.x_train, split.y_train))
        .shuffle(len(split.x_train), seed=seed)
        .batch(batch_size)
        .map(lambda x, y: (x, noise(y)))
    )


def _recipes(*, regression: bool) -> dict[str, Recipe]:
    recipes = {
        "baseline": _recipe("the MLP without noise"),
        "jitter": _recipe(f"Gaussian input noise, `Jitter(stddev={JITTER_STDDEV})`", _jitter),
        "feature_mask": _recipe(
            f"`FeatureMask(rate={MASK_RATE})`: a feature is replaced by its mean (0)",
            _feature_mask,
        ),
        "jitter+feature_mask": _recipe("both input noises, in that order", _jitter, _feature_mask),
    }
    if regression:
        recipes["target_jitter"] = Recipe(
            f"noise on the outputs: `Jitter(stddev={TARGET_STDDEV})` on the standardized "
            "targets, mapped over the training batches",
            lambda split, seed: mlp(split),
            target_jitter_pipeline,
        )
    return recipes


CORRUPTIONS = (
    gaussian_noise_corruption("feature stds"),
    Corruption(
        "missing_features",
        "missing",
        "fraction of values replaced by the mean",
        (0.1, 0.2, 0.4),
        lambda split, rate, seed: kn.layers.FeatureMask(rate=rate, seed=seed, name="corruption"),
    ),
)

TASK = Task(
    name="tabular",
    summary=(
        "Tables from scikit-learn's bundled files: breast cancer (569 tumours, 30 features, "
        "2 classes) and diabetes (442 patients, 10 features, a disease-progression score), "
        "70/30 splits drawn per seed, features standardized on the training split. The guides "
        "recommend Gaussian noise and feature masking for tables; the regression also tries "
        "target jitter. Test data is corrupted with Gaussian noise and with missing values "
        "(replaced by the feature's mean), using the same layers with a fixed seed."
    ),
    packages=(("sklearn", "scikit-learn"),),
    experiments=(
        Experiment(
            name="breast_cancer",
            title="Breast cancer (classification)",
            load=load_breast_cancer_split,
            recipes=_recipes(regression=False),
            corruptions=CORRUPTIONS,
            headline=("gaussian_noise", 0.5),
            epochs=30,
        ),
        Experiment(
            name="diabetes",
            title="Diabetes (regression, R²)",
            load=load_diabetes_split,
            recipes=_recipes(regression=True),
            corruptions=CORRUPTIONS,
            headline=("gaussian_noise", 0.5),
            epochs=40,
            metric="r2",
        ),
    ),
)
