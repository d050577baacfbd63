"""One seed of a sweep: its model, built once, and the runs of every value on it.

Every run restores a saved state (the initial weights and optimizer state, or where the value
stopped at the previous halving rung), assigns the strength to the selected variables and calls
`fit`: the model's traced train and test functions are reused, never rebuilt or retraced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

from keras_noise._validation import invalid_type, invalid_value
from keras_noise.tuning import selection as selection_module
from keras_noise.tuning.data import fit_inputs
from keras_noise.tuning.state import Snapshot, build_optimizer

__all__ = ["Trial", "check_metric"]

_BUILD_HELP = "a function that returns a new compiled keras.Model holding noise components"


def _check_model(model: Any, seed: int) -> keras.Model:
    if not isinstance(model, keras.Model):
        raise invalid_type("build_model", f"{_BUILD_HELP} (it returned no model)", model)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        raise invalid_value(
            "build_model",
            f"{_BUILD_HELP}; model '{model.name}' (seed {seed}) is not compiled: call "
            "model.compile(optimizer, loss, metrics) in build_model",
            model.name,
        )
    return model


class Trial:
    """The model of one seed and its saved states.

    Args:
        build_model: the user's model builder, called once under `keras.utils.set_random_seed`.
        seed: the seed.
        layers: the selector of the strengths to move.
        values: the strengths (checked against every selected component).
    """

    def __init__(self, build_model: Callable[[], Any], seed: int, layers: Any, values):
        self.seed = seed
        keras.utils.set_random_seed(seed)
        self.model = _check_model(build_model(), seed)
        self.selection = selection_module.select(self.model, layers, values)
        self.start: Snapshot | None = None
        self.saved: dict[int, Snapshot] = {}

    def probe(self, validation_data: Any, fit_kwargs: dict) -> list[str]:
        """Evaluates one validation batch (builds the model) and returns the keys `fit` logs."""
        if isinstance(validation_data, tuple):
            x, y, *weights = validation_data
            batch_size = fit_kwargs.get("validation_batch_size") or fit_kwargs.get("batch_size")
            logs = self.model.evaluate(
                x,
                y,
                sample_weight=weights[0] if weights else None,
                batch_size=batch_size,
                steps=1,
                verbose=0,
                return_dict=True,
            )
        else:
            logs = self.model.evaluate(validation_data, steps=1, verbose=0, return_dict=True)
        build_optimizer(self.model)
        self.start = Snapshot(self.model, extra=self.selection.components)
        return [*logs, *(f"val_{key}" for key in logs)]

    def run(
        self,
        index: int,
        value: float,
        *,
        initial_epoch: int,
        epochs: int,
        train_data: Any,
        validation_data: Any,
        metric: str,
        callbacks: Sequence[keras.callbacks.Callback],
        fit_kwargs: dict,
        keep: bool,
    ) -> float:
        """Trains value `index` from `initial_epoch` to `epochs`; returns the last `metric`.

        Args:
            index: the value's position (its saved state is kept under it).
            value: the strength.
            initial_epoch: 0 for a fresh start, else where the value's saved state stopped.
            epochs: the epoch to train up to.
            train_data: the training data (an accepted form).
            validation_data: the validation data.
            metric: the key of `fit`'s logs to return.
            callbacks: the user's callbacks.
            fit_kwargs: further `fit` arguments.
            keep: whether to save the state reached, for a later rung to continue from.
        """
        (self.saved.pop(index) if initial_epoch else self.start).restore()
        self.selection.assign(value)
        keras.utils.set_random_seed(self.seed + initial_epoch)
        history = self.model.fit(
            **fit_inputs(train_data),
            validation_data=validation_data,
            initial_epoch=initial_epoch,
            epochs=epochs,
            callbacks=list(callbacks),
            verbose=0,
            **fit_kwargs,
        )
        if keep:
            self.saved[index] = Snapshot(self.model, extra=self.selection.components)
        return float(history.history[metric][-1])


def check_metric(metric: Any, mode: str, logged: Sequence[str]) -> str:
    """Returns `metric` if `fit` logs it (and `mode` fits a loss), else the package's error."""
    if not isinstance(metric, str) or metric not in logged:
        raise invalid_value(
            "metric",
            "a metric that `fit` logs for this model: " + ", ".join(map(repr, logged)),
            metric,
        )
    if metric.endswith("loss") and mode != "min":
        raise invalid_value(
            "mode", f"'min' for metric={metric!r} (a loss is better when smaller)", mode
        )
    return metric
