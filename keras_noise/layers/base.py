"""The base of every keras-noise layer: the training rule, the strength variable and the seed.

Layers that run in data pipelines subclass `keras_noise.layers.pipeline.PipelineNoiseLayer`,
which adds the parsing of `tf.data` elements (`(x, y)`, dicts, `key_map`) to this base.

The training rule, stated once for the whole package: ``training=True`` (as `fit` passes it)
applies the noise; ``training=False`` (`predict`, `evaluate`, ``model(x, training=False)``) is the
identity. With ``training=None``, in-model layers (ActivationNoise, WeightNoise, DropConnect,
DropPath, MCDropout) are the identity, and a *preprocessing* layer (`is_preprocessing`: Jitter,
masks, Cutout, MixUp...) applies its noise when the outermost layer call is a data pipeline: the
layer itself, or a container (Sequential, Pipeline, functional model, custom layer,
TimeDistributed, nested) holding no trainable weight, as in ``ds.map(aug)`` or ``aug(x)``. A
container with trainable weights (Dense, Conv, BatchNormalization..., frozen or not, or not yet
built) is a model, and ``model(x)`` is inference, as in Keras. ``model.export()`` calls the model
with ``training=None``: a classifier's export is noise-free, an export of a bare augmentation
block adds noise, and inside a model Keras' own `keras.layers.Pipeline` turns ``None`` into
``True`` (use `keras.Sequential` there); `keras_noise.export.export_noise_free` strips the noise
in every case.

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

import math
from typing import Any

import keras
import tensorflow as tf

from keras_noise._keras_compat import (
    call_context_entry_layer,
    created_trainable_variables,
    is_keras_data_layer,
    layer_tree,
)
from keras_noise._validation import check_float, check_range, check_seed, invalid_value
from keras_noise.layers._sampling_mode import active_samples
from keras_noise.layers._strength import StrengthState
from keras_noise.ops.random import NoiseSeedGenerator


class NoiseLayer(StrengthState, keras.layers.Layer):
    """Base class of keras-noise layers; subclasses implement `apply_noise`.

    Subclasses set the class attributes below, pass their strength to `__init__`, and implement
    `apply_noise(inputs)` with graph-pure, vectorized ops that draw randomness only through
    `self.seed_generator`. In-model layers subclass it directly; data-pipeline layers subclass
    `keras_noise.layers.pipeline.PipelineNoiseLayer`.

    Attributes:
        strength_name: the constructor argument the primary strength comes from, e.g. "stddev".
        strength_bounds: keyword arguments of `check_float` that valid strengths satisfy.
        is_preprocessing: whether the layer applies its noise when called outside a model with
            `training=None` (a `tf.data` map); see the module docstring. True exactly for
            `PipelineNoiseLayer` subclasses.
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

    def __init__(
        self,
        strength: float,
        *,
        seed: int | None = None,
        **kwargs,
    ):
        if "key_map" in kwargs:
            raise invalid_value(
                "key_map",
                f"None: {type(self).__name__} is an in-model layer and takes no tf.data elements",
                kwargs["key_map"],
            )
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

        Examples:
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
            return self.is_preprocessing and is_data_pipeline_call(self)
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


def is_data_pipeline_call(layer: keras.layers.Layer) -> bool:
    """Whether the running call of `layer` is a data-pipeline call (see the module docstring).

    It is when the outermost layer call is `layer` itself, or a container holding no model: no
    layer in it created a trainable variable (freezing does not count), and every layer in it
    that is not built yet is a preprocessing layer (an unbuilt Dense in a subclassed model, built
    after the noise layer runs, makes it a model). Computed afresh at every call (eager calls, and
    once per trace in graphs), so nothing cached can go stale.
    """
    entry = call_context_entry_layer()
    if entry is None or entry is layer:
        return True
    return not any(_is_model_part(sublayer) for sublayer in layer_tree(entry))


def _is_model_part(layer: keras.layers.Layer) -> bool:
    if created_trainable_variables(layer):
        return True
    if layer.built or isinstance(layer, NoiseLayer) or is_keras_data_layer(layer):
        return False
    return not layer_tree(layer)[1:]  # an unbuilt leaf; a container is judged by its leaves


class ValueRangeMixin:
    """The package's rule for integer inputs and for clipping to a declared value range.

    Layers that change values (Jitter, SaltAndPepper, ...) take ``value_range=(low, high)``:

    * float inputs: the noisy output is clipped to the range when one is given;
    * integer inputs (e.g. uint8 images): a value range holding at least three integers is
      required (`(0, 1)` would binarise uint8 images: an error); the noise is computed in
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
            low, high = value_range
            if math.floor(high) - math.ceil(low) < 2:
                raise ValueError(
                    f"Invalid value for `value_range` of layer '{self.name}': integer inputs "
                    f"({dtype.name}) are rounded and clipped to the range, and "
                    f"{tuple(value_range)} holds at most two integers, which would binarise "
                    "them: declare the range of the data, e.g. value_range=(0, 255) for uint8 "
                    "images, or convert them to floats first (e.g. x / 255 with "
                    f"value_range=(0, 1)). Received: value_range={tuple(value_range)}"
                )
            outputs = tf.round(noise_fn(tf.cast(inputs, tf.float32)))
            outputs = tf.clip_by_value(outputs, value_range[0], value_range[1])
            return tf.cast(outputs, dtype)
        raise TypeError(
            f"Invalid input dtype for layer '{self.name}': expected a float or integer tensor. "
            f"Received: dtype={dtype.name}"
        )
