"""KerasTuner interop: search noise strengths with `keras_tuner`'s tuners.

KerasTuner builds a new model for every trial from a function of its `HyperParameters`
(``build(hp)``). `choose_strength` declares a strength as ``hp.Choice`` and assigns the chosen
value to a model's selected noise strengths (the selection rules of
`keras_noise.callbacks.NoiseScheduler`); `hypermodel` wraps a plain `build_model()` into such a
function. Nothing here imports `keras_tuner`: install it with ``pip install
"keras-noise[tuner]"``. Unlike `keras_noise.tuning.sweep`, KerasTuner rebuilds and retraces the
model for every trial; in exchange its tuners (random, Bayesian, Hyperband) search several
hyperparameters at once.

Example (not run here)::

    import keras_tuner
    tuner = keras_tuner.GridSearch(
        kn.tuning.hypermodel(build_model, values=[0.0, 0.1, 0.2, 0.3], layers=kn.layers.Jitter),
        objective="val_accuracy", directory="tuning", project_name="jitter")
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=20)
    best = tuner.get_best_hyperparameters()[0]["noise_strength"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

from keras_noise.tuning.selection import check_values, select

__all__ = ["choose_strength", "hypermodel"]


def choose_strength(
    hp: Any,
    model: keras.Model,
    values: Sequence[float],
    *,
    layers: Any = None,
    name: str = "noise_strength",
) -> float:
    """Declares ``hp.Choice(name, values)`` and assigns the choice to `model`'s strengths.

    Call it in a KerasTuner ``build(hp)`` function after building the model; call it again with
    another `name` and `layers` to search several strengths jointly.

    Args:
        hp: a `keras_tuner.HyperParameters`.
        model: the model just built.
        values: the strengths to choose from, distinct numbers (each checked by every selected
            component).
        layers: the selector (None: every noise component of the model).
        name: the hyperparameter's name.

    Returns:
        The value chosen for this trial.

    Raises:
        ValueError: as `keras_noise.tuning.sweep` does for bad values or selections.

    Examples:
        >>> import keras, keras_noise as kn
        >>> class HP:  # stands in for keras_tuner.HyperParameters
        ...     def Choice(self, name, values, ordered=None):
        ...         return values[-1]
        >>> model = keras.Sequential(
        ...     [keras.Input((2,)), kn.layers.Jitter(0.0), keras.layers.Dense(1)]
        ... )
        >>> kn.tuning.choose_strength(HP(), model, [0.1, 0.2])
        0.2
        >>> round(float(model.layers[0].strength.numpy()), 4)
        0.2
    """
    values = check_values(values)
    selection = select(model, layers, values, argument="model")
    value = hp.Choice(name, list(values), ordered=True)
    selection.assign(value)
    return value


def hypermodel(
    build_model: Callable[[], keras.Model],
    *,
    values: Sequence[float],
    layers: Any = None,
    name: str = "noise_strength",
) -> Callable[[Any], keras.Model]:
    """A KerasTuner ``build(hp)`` function: `build_model()` with its strengths chosen by `hp`.

    Args:
        build_model: a function returning a new compiled model holding noise components.
        values: the strengths to choose from.
        layers: the selector (None: every noise component of the model).
        name: the hyperparameter's name.

    Returns:
        ``build(hp)``, to pass as the `hypermodel` of any `keras_tuner` tuner.
    """
    values = check_values(values)

    def build(hp: Any) -> keras.Model:
        model = build_model()
        choose_strength(hp, model, values, layers=layers, name=name)
        return model

    return build
