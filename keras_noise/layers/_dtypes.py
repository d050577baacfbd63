"""Shared helpers of the masking layers: integer inputs keep their dtype, also symbolically.

`NoiseLayer.compute_output_shape` makes Keras report the layer's compute dtype (a float) for
symbolic outputs. Masks work on any dtype (uint8 images, int token ids), so masking layers report
the input's own dtype instead; Keras has already cast float inputs to the compute dtype by then.
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf


class KeepsInputDtype:
    """Mixin: the symbolic output has the input's shape and dtype."""

    def compute_output_spec(self, inputs, *args, **kwargs):
        return keras.KerasTensor(inputs.shape, dtype=inputs.dtype)


class ChecksScalarFill:
    """Mixin: at each call, numeric inputs and a scalar `self.fill_value` their dtype can hold."""

    def call(self, inputs, training=None):
        check_numeric_input(self.name, inputs)
        check_fill_value(self.name, "fill_value", self.fill_value, inputs.dtype)
        return super().call(inputs, training=training)


def check_float_input(layer_name: str, inputs) -> None:
    """Raises a TypeError naming the layer and the dtype unless `inputs` is a float tensor."""
    dtype = tf.as_dtype(inputs.dtype)
    if not dtype.is_floating:
        raise TypeError(
            f"Invalid input dtype for layer '{layer_name}': expected a float tensor (cast integer "
            f"audio to float first). Received: dtype={dtype.name}"
        )


def check_fill_value(layer_name: str, name: str, value: float, dtype) -> None:
    """Raises a ValueError if `value` cannot be written into an integer tensor of `dtype` exactly.

    Float tensors take any finite value; integer tensors need an integer within the dtype's range,
    so that a fill value is never silently wrapped or truncated.
    """
    dtype = tf.as_dtype(dtype)
    if dtype.is_integer and (value != int(value) or not dtype.min <= value <= dtype.max):
        raise ValueError(
            f"Invalid value for `{name}` of layer '{layer_name}': expected an integer in "
            f"[{dtype.min}, {dtype.max}] for {dtype.name} inputs. Received: {name}={value!r}"
        )


def check_numeric_input(layer_name: str, inputs) -> None:
    """Raises a TypeError naming the layer and the dtype unless `inputs` is numeric."""
    dtype = tf.as_dtype(inputs.dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise TypeError(
            f"Invalid input dtype for layer '{layer_name}': expected a float or integer tensor. "
            f"Received: dtype={dtype.name}"
        )


def check_integer_value_range(layer_name: str, value_range, dtype, reason: str) -> None:
    """Raises a ValueError unless integer inputs of `dtype` have a usable declared value range.

    Args:
        layer_name: the layer's name, for the message.
        value_range: the layer's `(low, high)` or None.
        dtype: the integer input dtype.
        reason: what needs the range, e.g. "fill_mode='noise'".
    """
    dtype = tf.as_dtype(dtype)
    if value_range is None:
        raise ValueError(
            f"Invalid value for `value_range` of layer '{layer_name}': integer inputs "
            f"({dtype.name}) with {reason} need a declared value range, e.g. "
            "value_range=(0, 255). Received: value_range=None"
        )
    low, high = value_range
    if math.ceil(low) > math.floor(high) or low < dtype.min or high > dtype.max:
        raise ValueError(
            f"Invalid value for `value_range` of layer '{layer_name}': expected a range within "
            f"[{dtype.min}, {dtype.max}] holding an integer, for {dtype.name} inputs. "
            f"Received: value_range={tuple(value_range)!r}"
        )
