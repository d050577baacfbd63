"""`sweep`: how much noise? Train with each strength, compare a validation metric, pick the best."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Any

import keras

from keras_noise._validation import check_choice, check_int, check_seed, invalid_type, invalid_value
from keras_noise.tuning import data as data_module
from keras_noise.tuning import halving
from keras_noise.tuning.results import SweepResult
from keras_noise.tuning.selection import check_callbacks, check_one_model_per_seed, check_values
from keras_noise.tuning.trial import Trial, check_metric

__all__ = ["sweep"]


def _check_seeds(seeds: Any) -> tuple[int, ...]:
    expected = "a non-empty sequence of distinct integers >= 0"
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise invalid_value("seeds", expected, seeds)
    checked = []
    for seed in seeds:
        try:
            checked.append(check_seed(seed))
        except ValueError:
            raise invalid_value("seeds", expected, seeds) from None
    if None in checked or len(set(checked)) != len(checked):
        raise invalid_value("seeds", expected, seeds)
    return tuple(checked)


def _check_callbacks(callbacks: Any) -> list[keras.callbacks.Callback]:
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)) or not all(
        isinstance(c, keras.callbacks.Callback) for c in callbacks
    ):
        raise invalid_value("callbacks", "None or a list of keras.callbacks.Callback", callbacks)
    return list(callbacks)


def sweep(
    build_model: Callable[[], keras.Model],
    train_data: Any,
    validation_data: Any,
    *,
    values: Sequence[float],
    layers: Any = None,
    epochs: int,
    seeds: Sequence[int] = (0,),
    metric: str = "val_accuracy",
    mode: str = "max",
    corruption: tuple[str, float] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] | None = None,
    budget: str = "full",
    fit_kwargs: dict | None = None,
    verbose: int = 1,
) -> SweepResult:
    """Trains a model at each noise strength and reports which one scores best on validation.

    Every keras-noise strength is a variable, so a sweep builds the model **once per seed**:
    before each (value, seed) run it restores the initial weights, the optimizer's state and the
    noise layers' seed states, and assigns the strength. Every value starts from the same weights
    and sees the same noise stream (same seed), and the traced train and test functions are
    reused: no rebuild, no retrace. The score of a run is `metric` at its last epoch.

    `budget="halving"` runs successive halving (`keras_noise.tuning.halving`): every value
    trains a few epochs, the better half continues where it stopped, and so on; the last value
    left trains to `epochs`. ``result.epochs_spent`` says what it cost.

    Everything is checked before any training: the values (by each selected component's own
    validation), the selection, the model, the metric (from the keys `fit` logs for this model,
    read by evaluating one validation batch) and the callbacks.

    Args:
        build_model: a function returning a new compiled `keras.Model` that holds the noise
            components; called once per seed, after `keras.utils.set_random_seed(seed)`.
        train_data: a `tf.data.Dataset`, a `keras.utils.PyDataset`, or a tuple `(x, y)` or
            `(x, y, sample_weight)` of arrays.
        validation_data: the same forms; `metric` is measured on it after every epoch. Carve
            it from the training examples, never from the test set.
        values: the strengths to try, distinct numbers.
        layers: which strengths move, with the selection rules of
            `keras_noise.callbacks.NoiseScheduler`: None (every noise component of the model),
            a name, a class, a component instance (e.g. a `tf.data` layer), or a list of these.
            Every selected strength is set to the same value.
        epochs: the epochs of a full run, >= 1.
        seeds: the seeds; every value is trained once per seed.
        metric: a key of `fit`'s logs, e.g. "val_accuracy" or "val_loss".
        mode: "max" (a larger metric is better) or "min" (required for a loss).
        corruption: None, or ``(name, severity)``: the validation inputs are corrupted by
            `keras_noise.robustness.corrupt(x, name, severity, seed=0)` once, before training,
            and `metric` measures robustness instead of clean performance.
        callbacks: callbacks for every `fit` (they must not move a swept strength).
        budget: "full" (every value trains `epochs`) or "halving".
        fit_kwargs: further `fit` arguments among `keras_noise.tuning.data.FIT_OPTIONS`
            (batch_size, steps_per_epoch, validation_steps, ...).
        verbose: 0 (silent), 1 (a progress bar over the (value, seed) runs) or 2 (one line
            per run).

    Returns:
        A `SweepResult`: `best_value`, `results` (a dict per value: "value", "mean", "std",
        "per_seed", "epochs"), `epochs_spent`, `to_markdown()`, `to_json()`, `plot(path)`.

    Raises:
        ValueError: for empty or non-numeric values, a value a selected component refuses,
            `layers` that select nothing, a model without noise components or not compiled, a
            metric `fit` does not log, or a callback that moves a swept strength.
        TypeError: if `build_model` is not callable or returns no Keras model.

    Examples:
        >>> import keras, numpy as np, keras_noise as kn
        >>> def build_model():
        ...     model = keras.Sequential([keras.Input((4,)), kn.layers.Jitter(0.0, seed=0),
        ...                               keras.layers.Dense(2, activation="softmax")])
        ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        ...     return model
        >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        >>> y = (x[:, 0] > 0).astype("int32")
        >>> result = kn.tuning.sweep(build_model, (x[:48], y[:48]), (x[48:], y[48:]),
        ...                          values=[0.0, 0.5], epochs=2, verbose=0)
        >>> [r["value"] for r in result.results], result.best_value in (0.0, 0.5)
        ([0.0, 0.5], True)
    """
    if not callable(build_model) or isinstance(build_model, keras.layers.Layer):
        raise invalid_type(
            "build_model",
            "a function returning a new compiled model (not a model: one is built per seed)",
            build_model,
        )
    values = check_values(values)
    epochs = check_int("epochs", epochs, low=1)
    seeds = _check_seeds(seeds)
    mode = check_choice("mode", mode, ("max", "min"))
    budget = check_choice("budget", budget, ("full", "halving"))
    verbose = check_choice("verbose", verbose, (0, 1, 2))
    callbacks = _check_callbacks(callbacks)
    fit_kwargs = data_module.check_fit_kwargs(fit_kwargs)
    train_data = data_module.check_data("train_data", train_data)
    validation_data = data_module.check_data("validation_data", validation_data)
    corruption = data_module.check_corruption(corruption)
    if corruption is not None:
        validation_data = data_module.corrupt_validation(validation_data, corruption, seed=0)

    trials = []
    for seed in seeds:
        trial = Trial(build_model, seed, layers, values)
        if any(trial.model is other.model for other in trials):
            raise invalid_value(
                "build_model",
                "a function that builds a new model on each call (one model per seed)",
                build_model,
            )
        trials.append(trial)
    check_one_model_per_seed([t.model for t in trials], [t.selection for t in trials])
    for trial in trials:
        logged = trial.probe(validation_data, fit_kwargs)
        check_callbacks(callbacks, trial.model, trial.selection)
    metric = check_metric(metric, mode, logged)

    plan = (halving.halving_plan if budget == "halving" else halving.full_plan)(len(values), epochs)
    scores, trained = _run_plan(
        plan,
        trials,
        values,
        verbose=verbose,
        run_kwargs={
            "train_data": train_data,
            "validation_data": validation_data,
            "metric": metric,
            "callbacks": callbacks,
            "fit_kwargs": fit_kwargs,
        },
        mode=mode,
    )
    results = []
    for index, value in enumerate(values):
        per_seed = scores[index]
        spread = statistics.stdev(per_seed) if len(per_seed) > 1 else 0.0
        results.append(
            {
                "value": value,
                "mean": statistics.fmean(per_seed),
                "std": spread,
                "per_seed": per_seed,
                "epochs": trained[index],
            }
        )
    return SweepResult(
        metric=metric,
        mode=mode,
        strengths=list(trials[0].selection.keys),
        seeds=list(seeds),
        epochs=epochs,
        budget=budget,
        corruption=None if corruption is None else list(corruption),
        results=results,
        epochs_spent=len(seeds) * halving.plan_cost(plan),
    )


def _run_plan(plan, trials, values, *, verbose, run_kwargs, mode):
    """Runs the rungs of `plan`; returns the last scores and epochs trained of every value."""
    scores = {index: [] for index in range(len(values))}
    trained = dict.fromkeys(range(len(values)), 0)
    total = len(trials) * sum(rung.num_values for rung in plan)
    progress = keras.utils.Progbar(total, unit_name="run", verbose=1 if verbose == 1 else 0)
    done = 0
    survivors = list(range(len(values)))
    for position, rung in enumerate(plan):
        last = position == len(plan) - 1
        for index in survivors:
            start = trained[index]
            if rung.epochs > start:
                scores[index] = []
                for trial in trials:
                    score = trial.run(
                        index,
                        values[index],
                        initial_epoch=start,
                        epochs=rung.epochs,
                        keep=not last,
                        **run_kwargs,
                    )
                    scores[index].append(score)
                    done += 1
                    progress.update(done, values=[(run_kwargs["metric"], score)])
                    if verbose == 2:
                        print(
                            f"[sweep] value {values[index]:g}, seed {trial.seed}, epochs "
                            f"{start}-{rung.epochs}: {run_kwargs['metric']}={score:.4f}",
                            flush=True,
                        )
                trained[index] = rung.epochs
            else:
                done += len(trials)
        if not last:
            means = [statistics.fmean(scores[index]) for index in survivors]
            kept = halving.keep_best(means, plan[position + 1].num_values, mode)
            for dropped in set(range(len(survivors))) - set(kept):
                for trial in trials:
                    trial.saved.pop(survivors[dropped], None)
            survivors = [survivors[i] for i in kept]
    return scores, trained
