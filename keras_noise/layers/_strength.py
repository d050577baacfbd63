"""Strength variables: layer state that schedules move, kept out of the model's weights.

Keras keeps a `SeedGenerator`'s state in `layer.variables` but out of `layer.weights`; strengths
get the same treatment. They are Keras variables (assigning one reaches already traced and
XLA-compiled functions, no retrace), listed in `layer.variables` and
`layer.non_trainable_variables`, and saved with the layer in `.keras` and `.weights.h5` files
under their own keys (``"strength_<name>"``). They are **not** in `layer.weights`,
`get_weights()`, `set_weights()` or `summary()` parameter counts, so

* `EarlyStopping(restore_best_weights=True)` (which restores `get_weights()`) does not roll a
  schedule back;
* a clean model's `get_weights()` / `.weights.h5` load into its noisy twin (a file without the
  strength keys leaves the strengths as they are).

Keras tracks every variable assigned to a layer attribute as a weight, so strengths live in a
`StrengthStore` that Keras does not look into; read them with `strength_variable(name)` (the
primary one is `layer.strength`).
"""

from __future__ import annotations

import keras

_PREFIX = "strength_"


class StrengthStore:
    """The strength variables of one layer, by name (a plain object: Keras does not track it)."""

    def __init__(self) -> None:
        self.variables: dict[str, keras.Variable] = {}


class StrengthState:
    """A mixin for Keras layers and models that hold strengths (put it before the Keras class).

    Examples:
        >>> import keras_noise as kn
        >>> layer = kn.layers.Jitter(stddev=0.1)
        >>> layer.weights, [v.name for v in layer.variables if v.name == "stddev"]
        ([], ['stddev'])
    """

    def _strength_store(self) -> StrengthStore:
        store = self.__dict__.get("_strengths")
        if store is None:
            store = StrengthStore()
            self._strengths = store
        return store

    def make_strength(self, name: str, value: float) -> keras.Variable:
        """Creates the float32 scalar strength variable `name` (a validated `value`)."""
        store = self._strength_store()
        if name in store.variables:
            raise ValueError(f"Layer '{self.name}' already has a strength named '{name}'.")
        with keras.name_scope(self.name, caller=self):
            variable = keras.Variable(
                keras.initializers.Constant(value),
                shape=(),
                dtype="float32",
                trainable=False,
                autocast=False,
                aggregation="none",
                name=name,
            )
        store.variables[name] = variable
        return variable

    def strength_variable(self, name: str) -> keras.Variable:
        """The strength variable `name` (made with `make_strength`)."""
        return self._strength_store().variables[name]

    @property
    def strength_variables(self) -> list[keras.Variable]:
        """The layer's own strength variables, in creation order."""
        return list(self._strength_store().variables.values())

    @property
    def variables(self) -> list:
        variables = list(super().variables)
        seen = {id(v) for v in variables}
        return variables + [v for v in self.strength_variables if id(v) not in seen]

    def save_own_variables(self, store) -> None:
        super().save_own_variables(store)
        for name, variable in self._strength_store().variables.items():
            store[_PREFIX + name] = variable

    def load_own_variables(self, store) -> None:
        keys = list(store.keys())
        weights = {key: store[key] for key in keys if not key.startswith(_PREFIX)}
        super().load_own_variables(weights)
        for name, variable in self._strength_store().variables.items():
            if _PREFIX + name in keys:  # absent in a clean model's file: keep the current value
                variable.assign(store[_PREFIX + name])
