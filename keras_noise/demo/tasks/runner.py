"""Runs a demo task: every recipe over seeds, scored clean and under the task's corruptions."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from keras_noise.demo.datasets import Split
from keras_noise.demo.tasks.base import Experiment, Task
from keras_noise.robustness import Curve, RobustnessResult

QUICK_EPOCHS = 3  # as the image demo's --quick
CORRUPTION_SEED_OFFSET = 1000  # corruption draws differ from the training noise of the same seed
METRIC_LABELS = {"accuracy": "accuracy", "r2": "R²"}


def score(model: keras.Model, x: np.ndarray, y: np.ndarray, metric: str) -> float:
    """Accuracy (argmax of the outputs) or R² (`1 - SSE / SST`) of `model` on `(x, y)`.

    Examples:
        >>> import keras, numpy as np
        >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Identity()])
        >>> score(model, np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0]), "r2")
        1.0
    """
    outputs = np.asarray(model(x, training=False))  # one call: test sets are small
    if metric == "r2":
        residual = float(np.sum((y - outputs.reshape(y.shape)) ** 2))
        return 1.0 - residual / float(np.sum((y - y.mean()) ** 2))
    return float(np.mean(outputs.argmax(axis=-1) == y))


def evaluate(model: keras.Model, experiment: Experiment, split: Split, seed: int):
    """The model's score on the clean test set and along each of the experiment's corruptions."""
    metric = experiment.metric
    curves = {}
    for corruption in experiment.corruptions:
        values = tuple(
            score(
                model,
                corruption.apply(split, severity, CORRUPTION_SEED_OFFSET + seed),
                split.y_test,
                metric,
            )
            for severity in corruption.severities
        )
        curves[corruption.name] = Curve(
            corruption.name, "corruption", corruption.severity_name, corruption.severities, values
        )
    clean = score(model, split.x_test, split.y_test, metric)
    return RobustnessResult(METRIC_LABELS[metric], clean, curves, num_examples=len(split.y_test))


def train(experiment: Experiment, recipe_name: str, split: Split, seed: int, epochs: int):
    """Builds and trains one recipe with a per-epoch progress bar; returns the model."""
    recipe = experiment.recipes[recipe_name]
    keras.utils.set_random_seed(seed)
    model = recipe.build(split, seed)
    progress = keras.utils.Progbar(epochs, unit_name="epoch", verbose=1)
    progress_callback = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: progress.update(epoch + 1, values=[("loss", logs["loss"])])
    )
    # One iterator for all epochs, as in the image demo: `fit` would set up one per epoch.
    model.fit(
        recipe.pipeline(split, seed, experiment.batch_size).repeat(),
        steps_per_epoch=math.ceil(len(split.y_train) / experiment.batch_size),
        epochs=epochs,
        verbose=0,
        callbacks=[progress_callback],
    )
    return model


def _points(value: float) -> str:
    return f"{100 * value:.1f}"


def run_task(
    task: Task, *, seeds: int, quick: bool, recipes: Sequence[str] | None = None
) -> tuple[dict[str, dict[str, list[RobustnessResult]]], dict]:
    """Trains and scores every (experiment, recipe, seed) of `task`.

    Args:
        task: the task.
        seeds: seeds per recipe (each seed also draws a new split where the data has none).
        quick: train `QUICK_EPOCHS` epochs instead of each experiment's own, for a smoke run.
        recipes: the recipe names to run (each experiment runs those it has); None: all.

    Returns:
        `({experiment: {recipe: [result per seed]}}, settings)`; settings hold the epochs per
        experiment, the wall-clock seconds taken and the process's CPU seconds.
    """
    plan = [
        (experiment, [name for name in experiment.recipes if recipes is None or name in recipes])
        for experiment in task.experiments
    ]
    plan = [(experiment, names) for experiment, names in plan if names]
    total = seeds * sum(len(names) for _, names in plan)
    started, cpu_started = time.perf_counter(), time.process_time()
    print(f"[{task.name}] {total} runs: {len(plan)} experiment(s) x recipes x {seeds} seed(s)")
    results: dict[str, dict[str, list[RobustnessResult]]] = {}
    epochs_used = {}
    index = 0
    for experiment, names in plan:
        epochs = QUICK_EPOCHS if quick else experiment.epochs
        epochs_used[experiment.name] = epochs
        results[experiment.name] = {name: [] for name in names}
        headline, severity = experiment.headline
        for seed in range(seeds):
            split = experiment.load(seed)
            for name in names:
                index += 1
                run_start = time.perf_counter()
                print(f"[{task.name} {index}/{total}] {experiment.name}: {name}, seed {seed}")
                model = train(experiment, name, split, seed, epochs)
                result = evaluate(model, experiment, split, seed)
                results[experiment.name][name].append(result)
                print(
                    f"[{task.name} {index}/{total}] {experiment.name}: {name}, seed {seed}: "
                    f"{result.metric} clean {_points(result.clean)}%, "
                    f"{experiment.column(headline, severity)} "
                    f"{_points(result[headline][severity])}% "
                    f"({time.perf_counter() - run_start:.1f} s)",
                    flush=True,
                )
    settings = {
        "seeds": seeds,
        "quick": quick,
        "epochs": epochs_used,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),  # all threads: a load gauge
    }
    return results, settings


def output_folder(out: str | Path, task: Task) -> Path:
    """`<out>/<task>`, the folder of a task's report."""
    return Path(out) / task.name
