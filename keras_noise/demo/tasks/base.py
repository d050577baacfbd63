"""The pieces of a demo task: recipes, test-time corruptions, experiments and the task itself.

A task (one data type) runs one or more experiments (a dataset with its recipes and the
corruptions that matter for it). A recipe builds a compiled model and, when its noise lives in
the data pipeline, the `tf.data` pipeline. A corruption is a keras-noise layer called outside a
model with a fixed seed: the same layers that train with noise also corrupt the test data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

import keras_noise as kn
from keras_noise.demo.datasets import Split

BuildFn = Callable[[Split, int], keras.Model]
PipelineFn = Callable[[Split, int, int], tf.data.Dataset]


def plain_pipeline(split: Split, seed: int, batch_size: int) -> tf.data.Dataset:
    """Shuffled batches of the training `(x, y)`, without noise."""
    return (
        tf.data.Dataset.from_tensor_slices((split.x_train, split.y_train))
        .shuffle(len(split.x_train), seed=seed)
        .batch(batch_size)
    )


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One way to train: a compiled model (and its pipeline) built with the public API.

    Attributes:
        description: one sentence for the report.
        build: `(split, seed) -> compiled keras.Model`.
        pipeline: `(split, seed, batch_size) -> tf.data.Dataset` of training batches.
    """

    description: str
    build: BuildFn
    pipeline: PipelineFn = plain_pipeline


@dataclasses.dataclass(frozen=True)
class Corruption:
    """A test-time corruption at increasing severities, made of a keras-noise layer.

    Attributes:
        name: the corruption, e.g. "gaussian_noise" (a column and a plot panel).
        label: its short column label, e.g. "gauss σ" (the severity follows: "gauss σ=0.5").
        severity_name: what the severity measures, e.g. "sigma" or "rate".
        severities: the severities evaluated, increasing.
        layer: `(split, severity, seed) -> layer`; the layer is called outside a model, so it
            applies its noise, on the test inputs (`split` gives e.g. the vocabulary size).
    """

    name: str
    label: str
    severity_name: str
    severities: tuple[float, ...]
    layer: Callable[[Split, float, int], keras.layers.Layer]

    def apply(self, split: Split, severity: float, seed: int) -> np.ndarray:
        """The corrupted copy of the test inputs (a fixed draw for a given seed).

        The factories name their layer "corruption": a layer's noise stream hashes its seed and
        its name, so every recipe is judged on the same draw.
        """
        return np.asarray(self.layer(split, severity, seed)(split.x_test))


def noise_first_recipe(network: Callable[..., keras.Model], description: str, *noise) -> Recipe:
    """A recipe whose noise layers (made per seed by the `noise` factories) precede `network`.

    Args:
        network: `(split, *noise_layers) -> compiled model`, the task's network.
        description: the recipe's line in the report.
        *noise: factories `seed -> layer`, applied in order before the network.
    """
    return Recipe(description, lambda split, seed: network(split, *(make(seed) for make in noise)))


def gaussian_noise_corruption(unit: str) -> Corruption:
    """Gaussian noise at σ = 0.25, 0.5 and 1, in `unit` (e.g. "feature stds"), by `Jitter`."""
    return Corruption(
        "gaussian_noise",
        "gauss σ",
        f"sigma ({unit})",
        (0.25, 0.5, 1.0),
        lambda split, sigma, seed: kn.layers.Jitter(stddev=sigma, seed=seed, name="corruption"),
    )


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A dataset, the recipes trained on it and the corruptions it is judged under.

    Attributes:
        name: the experiment's name, e.g. "breast_cancer".
        title: what the data is, for the report.
        load: `seed -> Split`.
        recipes: the recipes by name; "baseline" (no noise) first.
        corruptions: the corruptions that matter for this data.
        headline: the `(corruption name, severity)` quoted in one-line summaries and verdicts.
        epochs: training epochs of a full run.
        batch_size: training batch size.
        metric: "accuracy" (class labels) or "r2" (a float target; R² = 1 - SSE/SST).
    """

    name: str
    title: str
    load: Callable[[int], Split]
    recipes: Mapping[str, Recipe]
    corruptions: Sequence[Corruption]
    headline: tuple[str, float]
    epochs: int
    batch_size: int = 32
    metric: str = "accuracy"

    def column(self, name: str, severity: float) -> str:
        """The column label of a corruption at a severity, e.g. "gauss σ=0.5"."""
        corruption = next(c for c in self.corruptions if c.name == name)
        return f"{corruption.label}={severity:g}"


@dataclasses.dataclass(frozen=True)
class Task:
    """A data type of the demo: its experiments, and the guides' advice it puts to the test.

    Attributes:
        name: the task's name on the command line, e.g. "tabular".
        summary: one paragraph for the report: what the data is, what the recipes try.
        experiments: the experiments, run in order.
        packages: the `(import name, PyPI name)` of the packages its data comes from, checked
            before anything runs.
    """

    name: str
    summary: str
    experiments: Sequence[Experiment]
    packages: Sequence[tuple[str, str]] = ()

    @property
    def recipe_names(self) -> list[str]:
        """Every recipe name of the task, in order, without repeats."""
        names: dict[str, None] = {}
        for experiment in self.experiments:
            names.update(dict.fromkeys(experiment.recipes))
        return list(names)
