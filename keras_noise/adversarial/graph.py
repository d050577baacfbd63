"""FGSM's and PGD's ops, for use inside a graph (a `tf.function`, a `train_step`, XLA).

Both attacks run the model in inference mode (``training=False``), differentiate the attack loss
with respect to the inputs (`input_gradient`) and keep the result inside the ``clip`` range. The
arguments are already validated (see `keras_noise.adversarial._checks`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

from keras_noise.adversarial._checks import _describe, _loss_name, resolve_loss
from keras_noise.ops import random

_TINY = 1e-12


def default_step_size(epsilon, steps: int):
    """Madry et al.'s rule of thumb: ``2.5 * epsilon / steps``, so PGD can cross the ball."""
    return 2.5 * epsilon / steps


def input_gradient(model: keras.Model, x: tf.Tensor, y: Any, loss_fn: Callable, loss: Any):
    """The gradient of the attack loss with respect to `x`, the model in inference mode.

    Raises:
        ValueError: at trace time, if the model's output is not compatible with the loss (the
            message shows the shapes) or the loss does not depend on the inputs.
    """
    with tf.GradientTape() as tape:
        tape.watch(x)
        y_pred = model(x, training=False)
        try:
            value = loss_fn(x, y, y_pred)
        except (ValueError, TypeError, tf.errors.InvalidArgumentError) as error:
            raise ValueError(
                f"Invalid model output for the attack loss: model '{model.name}' returns "
                f"outputs of shape {_describe(y_pred)}, which {_loss_name(loss)} cannot compare "
                f"with labels of shape {_describe(y)}. Original error: {error}"
            ) from error
    gradient = tape.gradient(value, x)
    if gradient is None:
        raise ValueError(
            f"Invalid model for the attack: the loss of model '{model.name}' does not depend on "
            f"its inputs (no gradient reaches them), so there is nothing to attack. "
            f"Received outputs of shape {_describe(y_pred)}"
        )
    return gradient


def _clip(x, clip):
    if clip is None:
        return x
    return tf.clip_by_value(x, clip[0], clip[1])


def _per_example_norm(t: tf.Tensor) -> tf.Tensor:
    """L2 norm over every axis but the first, shaped to broadcast against `t`."""
    axes = list(range(1, len(t.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(t), axis=axes, keepdims=True) + _TINY)


def project(delta: tf.Tensor, epsilon, norm: str) -> tf.Tensor:
    """Projects perturbations onto the epsilon ball of `norm` (per example)."""
    if norm == "linf":
        return tf.clip_by_value(delta, -epsilon, epsilon)
    return delta * tf.minimum(1.0, epsilon / _per_example_norm(delta))


def ascent_step(gradient: tf.Tensor, step_size, norm: str) -> tf.Tensor:
    """The steepest-ascent step of `norm` for `gradient`: sign for L-inf, unit gradient for L2."""
    if norm == "linf":
        return step_size * tf.sign(gradient)
    return step_size * gradient / _per_example_norm(gradient)


def random_start_delta(shape, epsilon, norm: str, seed: tf.Tensor) -> tf.Tensor:
    """A uniform draw in the epsilon ball of `norm`, from a Philox seed of shape `(2,)`."""
    if norm == "linf":
        return random.uniform(shape, seed, minval=-1.0, maxval=1.0) * epsilon
    direction_seed, radius_seed = random.split_seed(seed, 2)
    direction = random.normal(shape, direction_seed)
    direction = direction / _per_example_norm(direction)
    dims = tf.cast(tf.reduce_prod(shape[1:]), tf.float32)
    radius = random.uniform(shape[:1], radius_seed) ** (1.0 / dims)
    radius = tf.reshape(radius, tf.concat([shape[:1], tf.ones_like(shape[1:])], axis=0))
    return direction * radius * epsilon


def fgsm_graph(model, x, y, epsilon, *, loss=None, clip=(0.0, 1.0), loss_model=None) -> tf.Tensor:
    """FGSM's ops, for use inside a graph; the arguments are already validated.

    `epsilon` may be a float, a tensor or a variable; `loss_model` is as in `resolve_loss`.
    Returns adversarial inputs in `x.dtype`.
    """
    x32 = tf.cast(x, tf.float32)
    epsilon = tf.cast(epsilon, tf.float32)
    loss_fn = resolve_loss(model, loss, loss_model)
    gradient = input_gradient(model, x32, y, loss_fn, loss)
    adversarial = _clip(x32 + epsilon * tf.sign(gradient), clip)
    return tf.stop_gradient(tf.cast(adversarial, x.dtype))


def pgd_graph(
    model,
    x,
    y,
    epsilon,
    *,
    step_size=None,
    steps: int = 10,
    norm: str = "linf",
    random_start: bool = True,
    loss=None,
    clip=(0.0, 1.0),
    seed: tf.Tensor | None = None,
    loss_model=None,
) -> tf.Tensor:
    """PGD's ops, for use inside a graph; the arguments are already validated.

    `epsilon` and `step_size` may be floats, tensors or variables; `seed` is a Philox seed tensor
    of shape `(2,)`, needed when `random_start` is True; `loss_model` is as in `resolve_loss`.
    The iterations run in a `tf.while_loop`, so the graph size does not grow with `steps`.
    """
    x32 = tf.cast(x, tf.float32)
    epsilon = tf.cast(epsilon, tf.float32)
    if step_size is None:
        step_size = default_step_size(epsilon, steps)
    step_size = tf.cast(step_size, tf.float32)
    loss_fn = resolve_loss(model, loss, loss_model)
    if random_start:
        delta = random_start_delta(tf.shape(x32), epsilon, norm, seed)
        start = _clip(x32 + delta, clip)
    else:
        start = x32

    def body(i, adversarial):
        gradient = input_gradient(model, adversarial, y, loss_fn, loss)
        moved = adversarial + ascent_step(gradient, step_size, norm)
        moved = _clip(x32 + project(moved - x32, epsilon, norm), clip)
        return i + 1, tf.stop_gradient(moved)

    _, adversarial = tf.while_loop(
        lambda i, _: i < steps, body, (tf.constant(0), start), parallel_iterations=1
    )
    adversarial = tf.ensure_shape(adversarial, x32.shape)
    return tf.stop_gradient(tf.cast(adversarial, x.dtype))
