"""The attacks' argument checks, seeds and loss resolution (`fgsm`, `pgd`, `AdversarialModel`).

The attack loss is the model's compiled loss (``model.compute_loss``) unless ``loss=`` names one
(a Keras loss name, a `keras.losses.Loss` or a callable ``loss(y_true, y_pred)``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from keras_noise._validation import check_float, check_range, invalid_type, invalid_value
from keras_noise.ops.random import NoiseSeedGenerator

NORMS = ("linf", "l2")
_DEFAULT_GENERATOR: list[NoiseSeedGenerator] = []


# ------------------------------------------------------------------------------ arguments
def check_epsilon(epsilon: Any, name: str = "epsilon") -> Any:
    """Validates a Python epsilon (a float >= 0); tensors and variables pass through unchanged."""
    if isinstance(epsilon, (tf.Tensor, tf.Variable, keras.Variable)):
        return epsilon
    return check_float(name, epsilon, low=0.0)


def check_clip(clip: Any) -> tuple[float, float] | None:
    """Validates `clip`: None (no clipping) or a `(low, high)` pair with low < high."""
    if clip is None:
        return None
    return check_range("clip", clip, allow_equal=False)


def check_step_size(step_size: Any) -> float | None:
    """Validates `step_size`: None (the default rule) or a float > 0."""
    if step_size is None:
        return None
    return check_float("step_size", step_size, low=0.0, low_inclusive=False)


def check_inputs(x: Any, attack: str) -> tf.Tensor:
    """Converts `x` to a float tensor; nested inputs and integer dtypes get a clear error."""
    if isinstance(x, (dict, list, tuple)):
        raise invalid_type(
            "x", f"a single float tensor (the {attack} attack perturbs one input tensor)", x
        )
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise TypeError(
            f"Invalid input dtype for {attack}: expected float inputs (cast integer images to "
            f"float, e.g. x / 255, first). Received: dtype={x.dtype.name}"
        )
    return x


def seed_tensor(seed: int | NoiseSeedGenerator | tf.Tensor | None) -> tf.Tensor:
    """A Philox seed of shape `(2,)` for one attack call.

    Args:
        seed: an int (the first seed a `NoiseSeedGenerator(seed)` would give, so the same int
            gives the same random start), a `NoiseSeedGenerator` (its next seed), a seed tensor,
            or None (the next seed of a package-wide unseeded generator).
    """
    if isinstance(seed, NoiseSeedGenerator):
        return seed.next()
    if isinstance(seed, tf.Tensor):
        return seed
    if seed is None:
        if not _DEFAULT_GENERATOR:
            with tf.init_scope():
                _DEFAULT_GENERATOR.append(NoiseSeedGenerator(None, name="pgd_seed_generator"))
        return _DEFAULT_GENERATOR[0].next()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise invalid_value("seed", "None, an integer >= 0 or a NoiseSeedGenerator", seed)
    return tf.constant([int(seed), 0], tf.int64)


# ------------------------------------------------------------------------------------ loss
def _describe(value: Any) -> str:
    return str(tf.nest.map_structure(lambda t: tuple(getattr(t, "shape", ())), value))


def _loss_name(loss: Any) -> str:
    if loss is None:
        return "the compiled loss"
    return repr(getattr(loss, "name", None) or getattr(loss, "__name__", None) or loss)


def resolve_loss(
    model: keras.Model, loss: Any, loss_model: keras.Model | None = None
) -> Callable[[Any, Any, Any], tf.Tensor]:
    """Returns ``loss_fn(x, y, y_pred) -> scalar float32`` for the attack.

    Args:
        model: the attacked model.
        loss: None for the compiled loss of `loss_model`, else a Keras loss name, a
            `keras.losses.Loss`, a loss config dict or a callable ``loss(y_true, y_pred)``.
        loss_model: the compiled model whose loss is used when `loss` is None (default: `model`;
            `AdversarialModel` passes itself, the model `compile` was called on).

    Raises:
        ValueError: if `loss` is None and the model is not compiled with a loss, or if the
            model has several outputs (a compiled multi-output loss also updates per-output loss
            metrics; pass a `loss=` that handles the structure instead).
    """
    if loss is None:
        model = model if loss_model is None else loss_model
        if not getattr(model, "compiled", False) or getattr(model, "loss", None) is None:
            raise invalid_value(
                "loss",
                f"a Keras loss (a name, a keras.losses.Loss or a callable), because model "
                f"'{model.name}' is not compiled with a loss",
                None,
            )

        def compiled_loss(x, y, y_pred):
            if tf.nest.is_nested(y_pred):
                raise ValueError(
                    f"Invalid value for `loss`: model '{model.name}' has several outputs "
                    f"{_describe(y_pred)}; pass a `loss=` callable that handles them. "
                    "Received: loss=None"
                )
            value = model.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
            return tf.cast(value, tf.float32)

        return compiled_loss
    if isinstance(loss, (str, dict)):
        loss = keras.losses.get(loss)
    if not callable(loss):
        raise invalid_value(
            "loss", "None, a Keras loss name, a keras.losses.Loss or a callable", loss
        )

    def given_loss(x, y, y_pred):
        return tf.reduce_mean(tf.cast(loss(y, y_pred), tf.float32))

    return given_loss


def _hashable_loss(loss: Any) -> Any:
    """Loss configs are dicts (unhashable): resolve them before they key a traced function."""
    return keras.losses.get(loss) if isinstance(loss, dict) else loss
