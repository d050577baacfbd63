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

from collections.abc import Sequence
from typing import Any

import keras
import tensorflow as tf

from keras_noise._validation import check_choice, check_int
from keras_noise.adversarial._checks import (
    NORMS,
    _hashable_loss,
    check_clip,
    check_epsilon,
    check_inputs,
    check_step_size,
    seed_tensor,
)
from keras_noise.adversarial.graph import default_step_size, fgsm_graph, pgd_graph
from keras_noise.ops.random import NoiseSeedGenerator

__all__ = ["fgsm", "pgd"]


@tf.function(reduce_retracing=True)
def _fgsm_function(model, x, y, epsilon, **options):
    return fgsm_graph(model, x, y, epsilon, **options)


@tf.function(reduce_retracing=True)
def _pgd_function(model, x, y, epsilon, **options):
    return pgd_graph(model, x, y, epsilon, **options)


def _ensure_built(model: keras.Model, x: tf.Tensor) -> None:
    if not model.built:
        model(x[:1], training=False)


def _run(graph_function, traced_function, model, x, y, epsilon, **options) -> tf.Tensor:
    """Inside a graph: the attack's ops, inlined; eagerly: its traced function (model built)."""
    if not tf.executing_eagerly():
        return graph_function(model, x, y, epsilon, **options)
    _ensure_built(model, x)
    return traced_function(model, x, y, epsilon, **options)


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

    Examples:
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
    epsilon = tf.cast(epsilon, tf.float32)
    return _run(
        fgsm_graph, _fgsm_function, model, x, y, epsilon, loss=_hashable_loss(loss), clip=clip
    )


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

    Examples:
        An L2 attack on a compiled model (its loss is used):

        >>> import keras, numpy as np, keras_noise as kn
        >>> classifier = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, "softmax")])
        >>> classifier.compile(loss="sparse_categorical_crossentropy")
        >>> images = np.zeros((4, 3), "float32")
        >>> perturbed = kn.adversarial.pgd(classifier, images, np.ones(4), 0.5, norm="l2", seed=0)
        >>> bool(np.linalg.norm(np.asarray(perturbed) - images, axis=1).max() <= 0.5 + 1e-5)
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
    epsilon = tf.cast(epsilon, tf.float32)
    step_size = default_step_size(epsilon, steps) if step_size is None else step_size
    return _run(
        pgd_graph,
        _pgd_function,
        model,
        x,
        y,
        epsilon,
        step_size=tf.cast(step_size, tf.float32),
        steps=steps,
        norm=norm,
        random_start=random_start,
        loss=_hashable_loss(loss),
        clip=clip,
        seed=seed,
    )
