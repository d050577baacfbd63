"""The math of label noise: class probabilities from labels, mixed labels, smoothed labels.

`mix_labels` is the label half of MixUp and CutMix (`keras_noise.ops.mixing`); `smooth_labels`
is LabelSmoothing's; `class_probabilities` turns class ids into the float labels both take.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops._shared import per_example


def class_probabilities(labels: tf.Tensor, num_classes: int | None = None) -> tf.Tensor:
    """Float32 class probabilities from integer class ids or from float (one-hot, soft) labels.

    Integer labels are class ids; a trailing axis of size 1 (Keras' `(batch, 1)` convention) is
    dropped and a class axis of `num_classes` is appended. Ids outside `[0, num_classes)` give
    NaN rows (callers check ids first where they can raise; this makes a bad id visible where a
    graph cannot raise, e.g. under XLA). Float labels are cast to float32 unchanged.

    Args:
        labels: integer class ids (`(batch,)` or `(batch, 1)`, or any shape), or float labels.
        num_classes: the number of classes; required for integer labels.

    Returns:
        Float32 probabilities: one-hot rows for class ids, the float labels as they are.

    Examples:
        >>> class_probabilities(tf.constant([[2], [0]]), 3).numpy().tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if labels.dtype.is_floating:
        return tf.cast(labels, tf.float32)
    ids = tf.cast(labels, tf.int32)
    if ids.shape.rank and ids.shape[-1] == 1:
        ids = tf.squeeze(ids, axis=-1)
    valid = (ids >= 0) & (ids < num_classes)
    return tf.where(valid[..., None], tf.one_hot(ids, num_classes), float("nan"))


def mix_labels(
    labels: tf.Tensor,
    partners: tf.Tensor,
    lam: tf.Tensor,
    sample_weight: tf.Tensor | None = None,
) -> tuple[tf.Tensor, tf.Tensor | None]:
    """Mixes float labels (and sample weights) of each example with its partner's.

    Without sample weights: `lam * y + (1 - lam) * y[partners]`. With sample weights `w`, the
    mixed example gets the weight `lam * w + (1 - lam) * w[partners]` and the labels are mixed
    with `lam * w / (lam * w + (1 - lam) * w[partners])` instead of `lam`: then its weighted
    loss is exactly `lam * w * loss(y) + (1 - lam) * w[partners] * loss(y[partners])` for any
    loss linear in the target (cross-entropy), the weighted loss of the two examples it mixes.
    Equal weights give plain MixUp; where both weights are 0, `lam` is used.

    Args:
        labels: float labels, batch first (e.g. `(batch, classes)` probabilities).
        partners: int32 indices of shape `(batch,)`.
        lam: float32 weights of shape `(batch,)`, the share of each example itself.
        sample_weight: None, or float weights of shape `(batch,)`, `(batch, 1)` or the labels'
            shape without the class axis.

    Returns:
        `(labels, sample_weight)` mixed, in the input dtypes (None stays None).

    Examples:
        >>> y = tf.constant([[1.0, 0.0], [0.0, 1.0]])
        >>> mixed, _ = mix_labels(y, tf.constant([1, 0]), tf.constant([0.75, 0.5]))
        >>> mixed.numpy().tolist()
        [[0.75, 0.25], [0.5, 0.5]]
    """
    lam = tf.cast(lam, tf.float32)
    values = tf.cast(labels, tf.float32)
    rank = labels.shape.rank
    share = per_example(lam, rank)
    mixed_weight = None
    if sample_weight is not None:
        weight = tf.cast(sample_weight, tf.float32)
        weight_lam = per_example(lam, weight.shape.rank)
        mine = weight_lam * weight
        mixed = mine + (1.0 - weight_lam) * tf.gather(weight, partners)
        share = tf.where(mixed > 0.0, tf.math.divide_no_nan(mine, mixed), weight_lam)
        for _ in range(rank - share.shape.rank):
            share = share[..., None]
        mixed_weight = tf.cast(mixed, sample_weight.dtype)
    mixed_labels = share * values + (1.0 - share) * tf.gather(values, partners)
    return tf.cast(mixed_labels, labels.dtype), mixed_weight


def smooth_labels(probabilities: tf.Tensor, smoothing) -> tf.Tensor:
    """Label smoothing (Szegedy et al. 2016): `y * (1 - smoothing) + smoothing / K`, last axis.

    A single column (`K = 1`) holds a binary probability and is smoothed towards 1/2, as
    `keras.losses.BinaryCrossentropy(label_smoothing=...)` does.

    Args:
        probabilities: float labels with classes on the last axis.
        smoothing: the smoothing, a float or scalar tensor in [0, 1].

    Returns:
        The smoothed labels, same shape and dtype.

    Examples:
        >>> print(smooth_labels(tf.constant([[0.0, 1.0, 0.0, 0.0]]), 0.2).numpy().round(3))
        [[0.05 0.85 0.05 0.05]]
    """
    values = tf.cast(probabilities, tf.float32)
    classes = probabilities.shape[-1]
    uniform_share = 0.5 if classes == 1 else 1.0 / tf.cast(tf.shape(values)[-1], tf.float32)
    smoothing = tf.cast(smoothing, tf.float32)
    return tf.cast(values * (1.0 - smoothing) + smoothing * uniform_share, probabilities.dtype)
