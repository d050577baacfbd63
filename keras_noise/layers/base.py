"""The base of every keras-noise layer: the training rule, the strength variable and the seed.

The training rule, stated once for the whole package:

* ``training=True`` (as `fit` passes it): the noise is applied.
* ``training=False`` (as `predict`, `evaluate` and exported `serve()` functions pass it): the
  layer is the identity, and no random op is executed.
* ``training=None`` (nobody said): a layer *inside* a model is the identity, as Keras' own
  layers are at inference. A **preprocessing layer** (`is_preprocessing = True`: Jitter, masks,
  Cutout, Mixup...) called *outside* any model, as in ``ds.map(layer)`` or a direct call, applies
  its noise: that is what a data pipeline means. In-model layers (activation or weight noise) are
  the identity on `None` everywhere.

Every layer holds its primary strength in ``layer.strength``, a non-trainable float32 Keras
variable read with ops in `call`. Assigning it (``layer.strength.assign(0.3)`` or, validated,
``layer.set_strength(0.3)``) takes effect at the next step of an already traced or XLA-compiled
function and of an already built `tf.data` iterator, without retracing. Other schedulable strengths
are variables made with `add_strength`. Strengths are layer state, not weights: they are in
`layer.variables` and saved files, but not in `layer.weights` or `get_weights()` (see
`keras_noise.layers._strength`).

Every layer owns a `NoiseSeedGenerator` (created also at strength 0); ``seed=`` makes the noise
reproducible, and draws are unique per call even under parallel `tf.data` maps.
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf

from keras_noise._keras_compat import is_outermost_call
from keras_noise._validation import check_float, check_range, check_seed
from keras_noise.layers._sampling_mode import active_samples
from keras_noise.layers._strength import StrengthState
from keras_noise.layers._structure import parse_element
from keras_noise.ops.random import NoiseSeedGenerator


class NoiseLayer(StrengthState, keras.layers.Layer):
    """Base class of keras-noise layers; subclasses implement `apply_noise`.

    Subclasses set the class attributes below, pass their strength to `__init__`, and implement
    `apply_noise(inputs)` with graph-pure, vectorized ops that draw randomness only through
    `self.seed_generator`.

    Attributes:
        strength_name: the constructor argument the primary strength comes from, e.g. "stddev".
        strength_bounds: keyword arguments of `check_float` that valid strengths satisfy.
        is_preprocessing: whether the layer applies its noise when called outside a model with
            `training=None` (a `tf.data` map); see the module docstring.
        mc_sampling: whether the layer applies its noise inside Monte-Carlo sampling mode
            (`keras_noise.uncertainty.sampling_mode`, used by `predict_mc`) whatever `training`
            it receives, while the rest of the model runs in inference mode.

    Args:
        strength: the initial value of `layer.strength`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base `keras.layers.Layer` arguments (`name`, `dtype`, ...).
    """

    strength_name: str = "strength"
    strength_bounds: dict = {"low": 0.0}
    is_preprocessing: bool = False
    mc_sampling: bool = False

    def __init__(self, strength: float, *, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seed = check_seed(seed)
        self.seed_generator = NoiseSeedGenerator(
            self.seed, name=f"{self.name}_seed_generator", owner=self.name
        )
        self.add_strength(self.strength_name, strength, **self.strength_bounds)

    # ----------------------------------------------------------------------------- strengths
    def add_strength(self, name: str, value: float, **bounds) -> keras.Variable:
        """Validates `value` and returns it as a non-trainable float32 scalar strength variable.

        The variable is layer state, not a weight (see the module docstring). Do not assign it
        to an attribute (Keras would then track it as a weight): read it back with
        `self.strength_variable(name)`.

        Args:
            name: the constructor argument's name, used for the variable and in errors.
            value: the initial value.
            **bounds: keyword arguments of `check_float` (`low`, `high`, ...).

        Returns:
            The variable; read it in `call` with `self.read_strength(variable, dtype)`.
        """
        return self.make_strength(name, check_float(name, value, **bounds))

    @property
    def strength(self) -> keras.Variable:
        """The primary strength variable (its meaning is the layer's `strength_name`)."""
        return self.strength_variable(self.strength_name)

    def set_strength(self, value: float) -> None:
        """Validates and assigns the primary strength; errors name the layer and the value.

        Example:
        >>> import keras_noise as kn
        >>> layer = kn.layers.Jitter(stddev=0.1, name="jitter")
        >>> layer.set_strength(0.25)
        >>> round(float(layer.strength.numpy()), 4)
        0.25
        >>> layer.set_strength(-1.0)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `jitter.stddev`: expected a float >= 0. Received: ...=-1.0
        """
        name = f"{self.name}.{self.strength_name}"
        self.strength.assign(check_float(name, value, **self.strength_bounds))

    @staticmethod
    def read_strength(variable: keras.Variable, dtype) -> tf.Tensor:
        """Reads a strength variable as a tensor of `dtype` (so assignments reach traced graphs)."""
        return tf.cast(tf.convert_to_tensor(variable), dtype)

    # ------------------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not isinstance(args[0], (tuple, dict)):
            return super().__call__(*args, **kwargs)
        element = parse_element(args, layer_name=self.name)
        return element.rebuild(super().__call__(element.features, **kwargs))

    def call(self, inputs, training=None):
        """Applies the noise when training (see the module docstring), else returns `inputs`."""
        if not self.noise_is_active(training):
            return inputs
        return self.apply_noise(inputs)

    def noise_is_active(self, training: bool | None) -> bool:
        """The training rule of the module docstring, for the current call."""
        if self.mc_sampling and active_samples() is not None:
            return True
        if training is None:
            return self.is_preprocessing and is_outermost_call(self)
        return bool(training)

    def apply_noise(self, inputs):
        """Returns the noisy version of `inputs`; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply_noise().")

    def inference_layer(self) -> keras.layers.Layer | None:
        """The layer's noise-free form, used by `keras_noise.export.strip_noise`.

        Returns:
            None when the layer is the identity at inference (it is removed from the model), or
            the layer to use in its place (a wrapper returns its inner layer with the clean
            weights).
        """
        return None

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                self.strength_name: float(keras.ops.convert_to_numpy(self.strength)),
                "seed": self.seed,
            }
        )
        return config


class ValueRangeMixin:
    """The package's rule for integer inputs and for clipping to a declared value range.

    Layers that change values (Jitter, SaltAndPepper, ...) take ``value_range=(low, high)``:

    * float inputs: the noisy output is clipped to the range when one is given;
    * integer inputs (e.g. uint8 images): a value range is required; the noise is computed in
      float32, rounded to the nearest integer, clipped to the range and cast back to the input
      dtype: integer in, integer out, never silently truncated;
    * other dtypes (bool, string): a TypeError.
    """

    @staticmethod
    def validate_value_range(value_range: Any) -> tuple[float, float] | None:
        """Checks the constructor argument; None means 'no declared range'."""
        if value_range is None:
            return None
        return check_range("value_range", value_range, allow_equal=False)

    def apply_in_value_range(self, inputs, noise_fn, value_range):
        """Runs `noise_fn` on a float view of `inputs` and converts back by the rule above."""
        dtype = tf.as_dtype(inputs.dtype)
        if dtype.is_floating:
            outputs = noise_fn(inputs)
            if value_range is not None:
                outputs = tf.clip_by_value(outputs, value_range[0], value_range[1])
            return outputs
        if dtype.is_integer:
            if value_range is None:
                raise ValueError(
                    f"Invalid value for `value_range` of layer '{self.name}': integer inputs "
                    f"({dtype.name}) need a declared value range, e.g. value_range=(0, 255). "
                    "Received: value_range=None"
                )
            outputs = tf.round(noise_fn(tf.cast(inputs, tf.float32)))
            outputs = tf.clip_by_value(outputs, value_range[0], value_range[1])
            return tf.cast(outputs, dtype)
        raise TypeError(
            f"Invalid input dtype for layer '{self.name}': expected a float or integer tensor. "
            f"Received: dtype={dtype.name}"
        )
