"""FGSM and PGD: adversarial inputs crafted from the gradient of the loss with respect to inputs.

Both attacks run the model in inference mode (``training=False``: BatchNorm uses its moving
statistics, dropout and keras-noise layers are the identity), differentiate the loss with respect
to the inputs with `tf.GradientTape`, and keep the result inside the ``clip`` value range.

`fgsm` and `pgd` are graph functions: called eagerly they run through one traced `tf.function`
per model, loss and clip range (the epsilon is a tensor argument, so sweeping epsilons does not
retrace); called inside a `tf.function`, a Keras `train_step` or an XLA cluster, they inline their
ops into the caller's graph.

The attack loss is the model's compiled loss (``model.compute_loss``) unless ``loss=`` names one
(a Keras loss name, a `keras.losses.Loss` or a callable ``loss(y_true, y_pred)``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import keras
import tensorflow as tf

from keras_noise._validation import (
    check_choice,
    check_float,
    check_int,
    check_range,
    invalid_type,
    invalid_value,
)
from keras_noise.ops import random
from keras_noise.ops.random import NoiseSeedGenerator

__all__ = ["fgsm", "pgd"]

NORMS = ("linf", "l2")
_TINY = 1e-12
_DEFAULT_GENERATOR: list[NoiseSeedGenerator] = []


# ------------------------------------------------------------------------------ validation
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


def default_step_size(epsilon, steps: int):
    """Madry et al.'s rule of thumb: ``2.5 * epsilon / steps``, so PGD can cross the ball."""
    return 2.5 * epsilon / steps


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


# ---------------------------------------------------------------------------- graph bodies
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


@tf.function(reduce_retracing=True)
def _fgsm_function(model, x, y, epsilon, loss, clip):
    return fgsm_graph(model, x, y, epsilon, loss=loss, clip=clip)


@tf.function(reduce_retracing=True)
def _pgd_function(model, x, y, epsilon, step_size, seed, steps, norm, random_start, loss, clip):
    return pgd_graph(
        model,
        x,
        y,
        epsilon,
        step_size=step_size,
        steps=steps,
        norm=norm,
        random_start=random_start,
        loss=loss,
        clip=clip,
        seed=seed,
    )


def _hashable_loss(loss: Any) -> Any:
    """Loss configs are dicts (unhashable): resolve them before they key a traced function."""
    return keras.losses.get(loss) if isinstance(loss, dict) else loss


def _ensure_built(model: keras.Model, x: tf.Tensor) -> None:
    if not model.built:
        model(x[:1], training=False)


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


# ----------------------------------------------------------------------------- public API
def fgsm(
    model: keras.Model,
    x: Any,
    y: Any,
    epsilon: float,
    *,
    loss: Any = None,
    clip: Sequence[float] | None = (0.0, 1.0),
) -> tf.Tensor:
    """The fast gradient sign method: ``clip(x + epsilon * sign(grad_x loss(model(x), y)))``.

    One gradient step of size `epsilon` in the L-inf norm: every input value moves by exactly
    `epsilon` (before clipping) in the direction that increases the loss.

    Args:
        model: a built Keras model with one input tensor.
        x: a batch of float inputs (array or tensor).
        y: the labels of the batch, as the loss expects them.
        epsilon: the L-inf radius of the perturbation, in the units of `x`, >= 0. A tensor or
            variable is accepted as is (no validation), e.g. inside a graph.
        loss: None for the model's compiled loss, or a Keras loss name, a `keras.losses.Loss`
            or a callable ``loss(y_true, y_pred)``.
        clip: the `(low, high)` value range the adversarial inputs are clipped to, or None for
            no clipping (e.g. standardized inputs).

    Returns:
        The adversarial inputs, a tensor with the shape and dtype of `x`, without gradient.

    Raises:
        ValueError: for epsilon < 0, ``clip`` with low >= high, a loss that is missing or not
            compatible with the model's output.
        TypeError: for integer or nested inputs.

    Example:
    >>> import keras, numpy as np, keras_noise as kn
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> x, y = np.full((2, 4), 0.5, "float32"), np.array([0, 2])
    >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> x_adv = kn.adversarial.fgsm(model, x, y, 0.1, loss=loss)
    >>> round(float(np.abs(np.asarray(x_adv) - x).max()), 4)
    0.1

    References:
        Goodfellow, Shlens and Szegedy, "Explaining and Harnessing Adversarial Examples",
        ICLR 2015.
    """
    epsilon = check_epsilon(epsilon)
    clip = check_clip(clip)
    x = check_inputs(x, "fgsm")
    if not tf.executing_eagerly():
        return fgsm_graph(model, x, y, epsilon, loss=loss, clip=clip)
    _ensure_built(model, x)
    epsilon = tf.cast(epsilon, tf.float32)
    return _fgsm_function(model, x, y, epsilon, _hashable_loss(loss), clip)


def pgd(
    model: keras.Model,
    x: Any,
    y: Any,
    epsilon: float,
    step_size: float | None = None,
    steps: int = 10,
    *,
    norm: str = "linf",
    random_start: bool = True,
    loss: Any = None,
    clip: Sequence[float] | None = (0.0, 1.0),
    seed: int | NoiseSeedGenerator | None = None,
) -> tf.Tensor:
    """Projected gradient descent on the negative loss: `steps` ascent steps inside the ball.

    From a random start in the epsilon ball (or from `x`), each step moves by `step_size` in the
    steepest-ascent direction of `norm` (the gradient sign for L-inf, the unit gradient for L2),
    projects back onto the epsilon ball around `x` and clips to `clip`. At the same epsilon it is
    at least as strong as FGSM in practice; with ``steps=1``, ``step_size=epsilon`` and no
    random start it is FGSM.

    Args:
        model: a built Keras model with one input tensor.
        x: a batch of float inputs (array or tensor).
        y: the labels of the batch, as the loss expects them.
        epsilon: the radius of the ball, in the units of `x` (L-inf: per value; L2: per
            example), >= 0.
        step_size: the size of one step, > 0; None for ``2.5 * epsilon / steps``.
        steps: the number of ascent steps, >= 1.
        norm: "linf" or "l2".
        random_start: whether to start from a uniform draw in the ball (Madry et al.) rather
            than from `x`.
        loss: None for the model's compiled loss, or a Keras loss name, a `keras.losses.Loss`
            or a callable ``loss(y_true, y_pred)``.
        clip: the `(low, high)` value range of the inputs, or None for no clipping.
        seed: the random start's seed: an int (same int, same start), a `NoiseSeedGenerator`
            (its next seed), or None (unseeded).

    Returns:
        The adversarial inputs, a tensor with the shape and dtype of `x`, without gradient.

    Raises:
        ValueError: for epsilon < 0, step_size <= 0, steps < 1, an unknown norm, ``clip`` with
            low >= high, or a loss that is missing or not compatible with the model's output.
        TypeError: for integer or nested inputs.

    Example:
    >>> import keras, numpy as np, keras_noise as kn
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> x, y = np.full((2, 4), 0.5, "float32"), np.array([0, 2])
    >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> x_adv = kn.adversarial.pgd(model, x, y, 0.1, steps=5, loss=loss, seed=0)
    >>> bool(np.abs(np.asarray(x_adv) - x).max() <= 0.1 + 1e-6)
    True

    References:
        Madry, Makelov, Schmidt, Tsipras and Vladu, "Towards Deep Learning Models Resistant to
        Adversarial Attacks", ICLR 2018.
    """
    epsilon = check_epsilon(epsilon)
    step_size = check_step_size(step_size)
    steps = check_int("steps", steps, low=1)
    norm = check_choice("norm", norm, NORMS)
    random_start = bool(random_start)
    clip = check_clip(clip)
    x = check_inputs(x, "pgd")
    seed = seed_tensor(seed) if random_start else tf.zeros((2,), tf.int64)
    if not tf.executing_eagerly():
        return pgd_graph(
            model,
            x,
            y,
            epsilon,
            step_size=step_size,
            steps=steps,
            norm=norm,
            random_start=random_start,
            loss=loss,
            clip=clip,
            seed=seed,
        )
    _ensure_built(model, x)
    epsilon = tf.cast(epsilon, tf.float32)
    step_size = default_step_size(epsilon, steps) if step_size is None else step_size
    step_size = tf.cast(step_size, tf.float32)
    return _pgd_function(
        model, x, y, epsilon, step_size, seed, steps, norm, random_start, _hashable_loss(loss), clip
    )
