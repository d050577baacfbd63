"""The math of Mixup, CutMix and label smoothing, as pure functions of tensors and seeds.

* `mixup`, `cutmix`: a whole batch step each: partners, weights or boxes, images, labels and
  sample weights.
* Their parts: `symmetric_beta` (Beta(alpha, alpha) draws from TensorFlow's Gamma kernel, and
  under XLA, which has no Gamma kernel, from a vectorized rejection method),
  `partner_indices`, `mix_features`, `mix_labels`, `cutmix_boxes`, `paste_boxes`.
* Labels: `class_probabilities`, `smooth_labels`.

Speed comes from two things. `mixup` and `cutmix` draw all their random numbers (partners,
weights, box centres) in one Philox call: in a `tf.data` map each random op costs about 0.1 ms of
launch overhead, more than the arithmetic on a few hundred numbers. And the work on every pixel
and label runs as one small XLA kernel (gather and blend, or boxes, gather and select), one pass
over memory instead of several; it compiles in a fraction of a second per shape. Mixing weights
are float32 whatever the data's dtype and are cast once to the features' dtype, so
`mixed_float16` and `mixed_bfloat16` pipelines work.

Draws are stateless functions of the seed: the same seed gives the same result in eager calls,
graphs and `tf.data` maps. Inside an XLA-compiled function TensorFlow's random ops produce a
different (equally valid, equally reproducible) stream.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise._keras_compat import in_xla_context
from keras_noise.ops import random

# Marsaglia-Tsang candidates drawn per variate in one vectorized round; each is accepted with
# probability > 0.95 (the shape parameter here is >= 1), so a second round is rarely needed.
_CANDIDATES = 4
# Uniforms per Beta variate: its two Gamma variates each take a boost uniform and a round of
# candidates (two uniforms for a Box-Muller normal and one for the acceptance test each).
_UNIFORMS_PER_BETA = 2 * (1 + 3 * _CANDIDATES)
# Smaller concentrations are raised to this one: Beta(alpha, alpha) draws are then 0 or 1 up to
# float32 precision, the alpha -> 0 limit, and a strength variable assigned 0 stays well defined.
MIN_ALPHA = 1e-6
# Extra rejection rounds draw with the seed's counter moved by multiples of this: far from the
# counters of later calls (a seed generator moves the counter by 1 per call).
_ROUND_OFFSET = 2**40


def _round_seed(seed: tf.Tensor, round_index) -> tf.Tensor:
    """The seed of an extra rejection round (Philox hashes a seed: nearby seeds are unrelated)."""
    offset = tf.cast(round_index, tf.int64) * _ROUND_OFFSET
    return seed + tf.stack([tf.constant(0, tf.int64), offset])


def _candidates(u: tf.Tensor, d: tf.Tensor, c: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """One Marsaglia-Tsang round from uniforms `u` of shape `(3, _CANDIDATES, *shape)`.

    Returns whether each variate accepted a candidate, and the log of the first accepted one.
    """
    # 1 - u is uniform on (0, 1]: its log is never -inf.
    z = tf.sqrt(-2.0 * tf.math.log1p(-u[0])) * tf.cos((2.0 * math.pi) * u[1])  # Box-Muller
    t = 1.0 + c * z
    v = t * t * t
    log_v = tf.math.log(tf.maximum(v, 1e-30))
    accepted = (v > 0.0) & (tf.math.log1p(-u[2]) < 0.5 * z * z + d - d * v + d * log_v)
    first = accepted & (tf.cumsum(tf.cast(accepted, tf.int32), axis=0) == 1)
    return tf.reduce_any(accepted, axis=0), tf.reduce_sum(tf.where(first, log_v, 0.0), axis=0)


def _log_gamma_rejection(uniforms: tf.Tensor, alpha: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The log of Gamma(alpha, 1) draws, exact in distribution, with ops that XLA compiles.

    Gamma(alpha + 1) comes from Marsaglia and Tsang's rejection method (2000), run as vectorized
    rounds of `_CANDIDATES` candidates until every variate has accepted one (the first accepted
    candidate, as in the sequential method): the first round from `uniforms`, the rare further
    rounds in a `tf.while_loop` with their own draws. Then `Gamma(alpha) = Gamma(alpha + 1) *
    U ** (1 / alpha)` (their boost), taken in log space so that tiny alphas underflow nothing.

    Args:
        uniforms: uniforms on [0, 1) of shape `(1 + 3 * _CANDIDATES, *shape)`: the boost's, then
            the first round's.
        alpha: the shape parameter, a float32 scalar > 0.
        seed: the seed the further rounds derive theirs from.

    Returns:
        Float32 draws of shape `shape`.
    """
    d = alpha + (1.0 - 1.0 / 3.0)
    c = tf.math.rsqrt(9.0 * d)
    round_shape = tf.concat([[3, _CANDIDATES], tf.shape(uniforms)[1:]], axis=0)
    found, log_v = _candidates(tf.reshape(uniforms[1:], round_shape), d, c)

    def not_done(round_index, found, log_v):
        return tf.logical_not(tf.reduce_all(found))

    def next_round(round_index, found, log_v):
        u = random.uniform(round_shape, _round_seed(seed, round_index))
        round_found, round_log_v = _candidates(u, d, c)
        # Keep the static shapes of the loop variables (shape inference loses them in the body).
        log_v = tf.ensure_shape(tf.where(found, log_v, round_log_v), log_v.shape)
        found = tf.ensure_shape(found | round_found, found.shape)
        return round_index + 1, found, log_v

    _, _, log_v = tf.while_loop(not_done, next_round, (tf.constant(1, tf.int64), found, log_v))
    return tf.math.log(d) + log_v + tf.math.log1p(-uniforms[0]) / alpha


def _log_gamma_kernel(uniforms: tf.Tensor, alpha: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The log of Gamma(alpha, 1) draws from TensorFlow's Gamma kernel, with the same boost.

    Used outside XLA: the kernel draws Gamma(alpha + 1) exactly without a loop. A `tf.while_loop`
    makes every new `tf.data` iterator instantiate its body and condition functions, which cost
    about as much as a small-data epoch of Mixup itself.

    Args:
        uniforms: uniforms on [0, 1) of shape `(k, *shape)`; only the first row (the boost's)
            is used.
        alpha: the shape parameter, a float32 scalar > 0.
        seed: the seed of the Gamma(alpha + 1) draws.

    Returns:
        Float32 draws of shape `shape`.
    """
    boosted = random.gamma(tf.shape(uniforms)[1:], alpha + 1.0, random.stream_seed(seed, 1))
    return tf.math.log(boosted) + tf.math.log1p(-uniforms[0]) / alpha


def _log_gamma(uniforms: tf.Tensor, alpha: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """The log of Gamma(alpha, 1) draws: the rejection method under XLA, else the kernel."""
    if in_xla_context():
        return _log_gamma_rejection(uniforms, alpha, seed)
    return _log_gamma_kernel(uniforms, alpha, seed)


def _beta(uniforms: tf.Tensor, alpha, seed: tf.Tensor) -> tf.Tensor:
    """Beta(alpha, alpha) draws from uniforms of shape `(_UNIFORMS_PER_BETA, *shape)`."""
    alpha = tf.maximum(tf.cast(alpha, tf.float32), MIN_ALPHA)
    # Two Gamma variates (X, Y) per Beta variate, drawn together.
    per_gamma = tf.concat([[_UNIFORMS_PER_BETA // 2, 2], tf.shape(uniforms)[1:]], axis=0)
    log_gammas = _log_gamma(tf.reshape(uniforms, per_gamma), alpha, seed)
    return tf.sigmoid(log_gammas[0] - log_gammas[1])


def symmetric_beta(shape, alpha, seed: tf.Tensor) -> tf.Tensor:
    """Draws from Beta(alpha, alpha), float32, with ops that compile under XLA.

    `X / (X + Y)` with `X, Y ~ Gamma(alpha)`, computed as `sigmoid(log X - log Y)`; exact in
    distribution for every `alpha >= MIN_ALPHA` (smaller values, including 0, are raised to it).

    Args:
        shape: the shape of the draws (a list or a 1-D int tensor).
        alpha: the concentration, a float or float32 scalar tensor.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        A float32 tensor of `shape` with values in [0, 1].

    Example:
    >>> lam = symmetric_beta([20000], 1.0, tf.constant([1, 2], tf.int64))  # Beta(1, 1) = U(0, 1)
    >>> abs(float(tf.reduce_mean(lam)) - 0.5) < 0.01
    True
    """
    uniforms = random.uniform(tf.concat([[_UNIFORMS_PER_BETA], shape], axis=0), seed)
    return _beta(uniforms, alpha, seed)


def _partners(keys: tf.Tensor) -> tf.Tensor:
    """`partner_indices` from one uniform key per example."""
    order = tf.argsort(keys)
    # partners[order[k]] = order[k + 1]
    return tf.gather(tf.roll(order, shift=-1, axis=0), tf.math.invert_permutation(order))


def partner_indices(batch_size, seed: tf.Tensor) -> tf.Tensor:
    """Whom each example is mixed with: a random cyclic permutation of the batch.

    The batch is put in a random order and each example is paired with the next one in that
    order (the last with the first), so no example is paired with itself (for batches of two
    or more) and every example is the partner of exactly one other.

    Args:
        batch_size: the number of examples, an int or int32 scalar tensor.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        An int32 tensor of shape `(batch_size,)`: example `i` is mixed with `partners[i]`.

    Example:
    >>> partners = partner_indices(5, tf.constant([1, 2], tf.int64)).numpy()
    >>> sorted(partners.tolist()), bool((partners != range(5)).all())
    ([0, 1, 2, 3, 4], True)
    """
    return _partners(random.uniform(tf.reshape(batch_size, [1]), seed))


def _per_example(weights: tf.Tensor, rank: int) -> tf.Tensor:
    """Reshapes `(batch,)` weights to broadcast against a tensor of `rank` (batch first)."""
    return tf.reshape(weights, [-1] + [1] * (rank - 1))


def mix_features(x: tf.Tensor, partners: tf.Tensor, lam: tf.Tensor) -> tf.Tensor:
    """Mixup of a batch: `lam * x + (1 - lam) * x[partners]`, per example.

    Args:
        x: a float or integer tensor, batch first, of any rank >= 1. Integer inputs are mixed in
            float32, rounded and returned in their dtype.
        partners: int32 indices of shape `(batch,)`, e.g. from `partner_indices`.
        lam: float32 weights of shape `(batch,)`, the weight of each example itself.

    Returns:
        The mixed batch, same shape and dtype as `x`.

    Example:
    >>> x = tf.constant([[0.0], [10.0]])
    >>> mix_features(x, tf.constant([1, 0]), tf.constant([0.75, 0.5])).numpy().ravel().tolist()
    [2.5, 5.0]
    """
    # lam * x + (1 - lam) * other, not other + lam * (x - other): lam = 1 returns x exactly.
    lam = _per_example(tf.cast(lam, tf.float32), x.shape.rank)
    if x.dtype.is_floating:
        lam = tf.cast(lam, x.dtype)
        return lam * x + (1.0 - lam) * tf.gather(x, partners)
    values = tf.cast(x, tf.float32)
    mixed = lam * values + (1.0 - lam) * tf.gather(values, partners)
    return tf.cast(tf.round(mixed), x.dtype)


def _boxes(lam: tf.Tensor, height, width, centres: tf.Tensor):
    """`cutmix_boxes` from uniforms `centres` of shape `(2, n)`."""
    height = tf.cast(height, tf.int32)
    width = tf.cast(width, tf.int32)
    ratio = tf.sqrt(1.0 - tf.cast(lam, tf.float32))
    cut_height = tf.cast(tf.round(ratio * tf.cast(height, tf.float32)), tf.int32)
    cut_width = tf.cast(tf.round(ratio * tf.cast(width, tf.float32)), tf.int32)
    # floor(u * size), u in [0, 1), is a uniform pixel index (up to float32 resolution, 2**-24).
    centre_row = tf.minimum(tf.cast(centres[0] * tf.cast(height, tf.float32), tf.int32), height - 1)
    centre_column = tf.minimum(
        tf.cast(centres[1] * tf.cast(width, tf.float32), tf.int32), width - 1
    )
    top = centre_row - cut_height // 2
    left = centre_column - cut_width // 2
    bottom = tf.clip_by_value(top + cut_height, 0, height)
    right = tf.clip_by_value(left + cut_width, 0, width)
    top = tf.clip_by_value(top, 0, height)
    left = tf.clip_by_value(left, 0, width)
    area = (bottom - top) * (right - left)
    pasted = tf.cast(area, tf.float32) / tf.cast(height * width, tf.float32)
    return top, bottom, left, right, pasted


def cutmix_boxes(
    lam: tf.Tensor, height, width, seed: tf.Tensor
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """Boxes of CutMix (Yun et al. 2019), in whole pixels, and the area they actually cover.

    A box of `round(sqrt(1 - lam) * height)` by `round(sqrt(1 - lam) * width)` pixels is
    centred on a uniformly drawn pixel and clipped to the image, so its area can be smaller than
    `1 - lam`; the returned fraction is the clipped area, which is what the labels must use.

    Args:
        lam: float32 draws of shape `(n,)` (one box each), e.g. Beta(alpha, alpha).
        height: the image height in pixels (int or int32 scalar tensor).
        width: the image width in pixels.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        `(top, bottom, left, right, pasted)`: int32 rows `[top, bottom)` and columns
        `[left, right)` of each box, and the float32 fraction of the image each box covers.

    Example:
    >>> boxes = cutmix_boxes(tf.constant([0.0]), 4, 6, tf.constant([1, 2], tf.int64))
    >>> top, bottom, left, right, pasted = (t.numpy()[0] for t in boxes)
    >>> bool(pasted == (bottom - top) * (right - left) / 24)
    True
    """
    centres = random.uniform(tf.concat([[2], tf.shape(lam)], axis=0), seed)
    return _boxes(lam, height, width, centres)


def _inside(boxes, shape, channels_first: bool) -> tf.Tensor:
    """A boolean mask, broadcastable to images of `shape`, of the pixels inside `boxes`."""
    top, bottom, left, right = (tf.cast(t, tf.int32)[:, None] for t in boxes)
    height_axis, width_axis = (2, 3) if channels_first else (1, 2)
    row = tf.range(shape[height_axis])[None, :]
    column = tf.range(shape[width_axis])[None, :]
    rows = (row >= top) & (row < bottom)
    columns = (column >= left) & (column < right)
    if channels_first:
        return rows[:, None, :, None] & columns[:, None, None, :]
    return rows[:, :, None, None] & columns[:, None, :, None]


def paste_boxes(
    x: tf.Tensor,
    partners: tf.Tensor,
    boxes: tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor],
    *,
    data_format: str = "channels_last",
) -> tf.Tensor:
    """Pastes into each image the box `[top, bottom) x [left, right)` of its partner image.

    Args:
        x: images of shape `(batch, height, width, channels)` (or channels first), any dtype;
            pixel values are copied, never computed, so integer images stay exact.
        partners: int32 indices of shape `(batch,)`.
        boxes: `(top, bottom, left, right)`, int32 tensors of shape `(batch,)` or `(1,)` (one
            box for the whole batch), e.g. from `cutmix_boxes`.
        data_format: "channels_last" or "channels_first".

    Returns:
        The images with the boxes pasted, same shape and dtype as `x`.

    Example:
    >>> x = tf.reshape(tf.range(2 * 2 * 3), (2, 2, 3, 1))
    >>> box = tuple(tf.constant([v]) for v in (0, 1, 1, 3))  # row 0, columns 1 and 2
    >>> paste_boxes(x, tf.constant([1, 0]), box)[0, ..., 0].numpy().tolist()
    [[0, 7, 8], [3, 4, 5]]
    """
    inside = _inside(boxes, tf.shape(x), data_format == "channels_first")
    return tf.where(inside, tf.gather(x, partners), x)


def class_probabilities(labels: tf.Tensor, num_classes: int | None = None) -> tf.Tensor:
    """Float32 class probabilities from integer class ids or from float (one-hot, soft) labels.

    Integer labels are class ids; a trailing axis of size 1 (Keras' `(batch, 1)` convention) is
    dropped and a class axis of `num_classes` is appended. Ids outside `[0, num_classes)` give
    NaN rows (callers check ids first where they can raise; this makes a bad id visible where a
    graph cannot raise, e.g. under XLA). Float labels are cast to float32 unchanged.

    Example:
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
    Equal weights give plain Mixup; where both weights are 0, `lam` is used.

    Args:
        labels: float labels, batch first (e.g. `(batch, classes)` probabilities).
        partners: int32 indices of shape `(batch,)`.
        lam: float32 weights of shape `(batch,)`, the share of each example itself.
        sample_weight: None, or float weights of shape `(batch,)`, `(batch, 1)` or the labels'
            shape without the class axis.

    Returns:
        `(labels, sample_weight)` mixed, in the input dtypes (None stays None).

    Example:
    >>> y = tf.constant([[1.0, 0.0], [0.0, 1.0]])
    >>> mixed, _ = mix_labels(y, tf.constant([1, 0]), tf.constant([0.75, 0.5]))
    >>> mixed.numpy().tolist()
    [[0.75, 0.25], [0.5, 0.5]]
    """
    lam = tf.cast(lam, tf.float32)
    values = tf.cast(labels, tf.float32)
    rank = labels.shape.rank
    share = _per_example(lam, rank)
    mixed_weight = None
    if sample_weight is not None:
        weight = tf.cast(sample_weight, tf.float32)
        weight_lam = _per_example(lam, weight.shape.rank)
        mine = weight_lam * weight
        mixed = mine + (1.0 - weight_lam) * tf.gather(weight, partners)
        share = tf.where(mixed > 0.0, tf.math.divide_no_nan(mine, mixed), weight_lam)
        for _ in range(rank - share.shape.rank):
            share = share[..., None]
        mixed_weight = tf.cast(mixed, sample_weight.dtype)
    mixed_labels = share * values + (1.0 - share) * tf.gather(values, partners)
    return tf.cast(mixed_labels, labels.dtype), mixed_weight


def smooth_labels(probabilities: tf.Tensor, epsilon) -> tf.Tensor:
    """Label smoothing (Szegedy et al. 2016): `y * (1 - epsilon) + epsilon / K` over the last axis.

    A single column (`K = 1`) holds a binary probability and is smoothed towards 1/2, as
    `keras.losses.BinaryCrossentropy(label_smoothing=...)` does.

    Args:
        probabilities: float labels with classes on the last axis.
        epsilon: the smoothing, a float or scalar tensor in [0, 1].

    Returns:
        The smoothed labels, same shape and dtype.

    Example:
    >>> print(smooth_labels(tf.constant([[0.0, 1.0, 0.0, 0.0]]), 0.2).numpy().round(3))
    [[0.05 0.85 0.05 0.05]]
    """
    values = tf.cast(probabilities, tf.float32)
    classes = probabilities.shape[-1]
    uniform_share = 0.5 if classes == 1 else 1.0 / tf.cast(tf.shape(values)[-1], tf.float32)
    epsilon = tf.cast(epsilon, tf.float32)
    return tf.cast(values * (1.0 - epsilon) + epsilon * uniform_share, probabilities.dtype)


@tf.function(jit_compile=True)
def _mixup_kernel(x, labels, sample_weight, partners, lam):
    return (mix_features(x, partners, lam), *mix_labels(labels, partners, lam, sample_weight))


def mixup(
    x: tf.Tensor,
    labels: tf.Tensor,
    seed: tf.Tensor,
    alpha,
    *,
    sample_weight: tf.Tensor | None = None,
    mode: str = "example",
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor | None]:
    """Mixup of a batch (Zhang et al. 2018).

    Each example is mixed with its partner (`partner_indices`) with the weight
    `max(lam, 1 - lam)`, `lam ~ Beta(alpha, alpha)`: an example keeps the larger share of itself,
    so `alpha -> 0` is the identity. The labels and sample weights follow `mix_labels`.

    Args:
        x: the inputs, batch first, float or integer (see `mix_features`).
        labels: float labels (probabilities), batch first.
        seed: a seed tensor of shape `(2,)`.
        alpha: the Beta concentration, a float or float32 scalar tensor.
        sample_weight: None or float sample weights (see `mix_labels`).
        mode: "example" (one weight per example) or "batch" (one for the batch).

    Returns:
        `(x, labels, sample_weight)` mixed; `sample_weight` is None when none was given.

    Example:
    >>> x, y = tf.random.stateless_uniform((6, 4), (1, 2)), tf.one_hot([0, 1, 2, 0, 1, 2], 3)
    >>> mixed_x, mixed_y, _ = mixup(x, y, tf.constant([3, 4], tf.int64), 0.4)
    >>> bool(tf.reduce_all(tf.abs(tf.reduce_sum(mixed_y, axis=-1) - 1.0) < 1e-6))
    True
    """
    batch_size = tf.shape(x)[0]
    weights = batch_size if mode == "example" else 1
    uniforms = random.uniform([batch_size + _UNIFORMS_PER_BETA * weights], seed)
    partners = _partners(uniforms[:batch_size])
    lam = _beta(tf.reshape(uniforms[batch_size:], [_UNIFORMS_PER_BETA, weights]), alpha, seed)
    lam = tf.broadcast_to(tf.maximum(lam, 1.0 - lam), [batch_size])
    return _mixup_kernel(x, labels, sample_weight, partners, lam)


@tf.function(jit_compile=True)
def _cutmix_kernel(images, labels, sample_weight, partners, lam, centres, channels_first: bool):
    shape = tf.shape(images)
    height, width = (shape[2], shape[3]) if channels_first else (shape[1], shape[2])
    *boxes, pasted = _boxes(lam, height, width, centres)
    inside = _inside(boxes, shape, channels_first)
    images = tf.where(inside, tf.gather(images, partners), images)
    own_share = tf.broadcast_to(1.0 - pasted, tf.shape(partners))
    return (images, *mix_labels(labels, partners, own_share, sample_weight))


def cutmix(
    images: tf.Tensor,
    labels: tf.Tensor,
    seed: tf.Tensor,
    alpha,
    *,
    sample_weight: tf.Tensor | None = None,
    mode: str = "example",
    data_format: str = "channels_last",
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor | None]:
    """CutMix of a batch of images (Yun et al. 2019).

    Each image gets a box of its partner's pixels (`cutmix_boxes` with `lam ~ Beta(alpha,
    alpha)`, `paste_boxes`); labels and sample weights are mixed by the pasted area after
    clipping (`mix_labels` with the share `1 - pasted`).

    Args:
        images: a rank-4 batch of images of any dtype.
        labels: float labels of shape `(batch, classes)`.
        seed: a seed tensor of shape `(2,)`.
        alpha: the Beta concentration, a float or float32 scalar tensor.
        sample_weight: None or float sample weights (see `mix_labels`).
        mode: "example" (one box per image) or "batch" (one box for the batch).
        data_format: "channels_last" or "channels_first".

    Returns:
        `(images, labels, sample_weight)` mixed; `sample_weight` is None when none was given.

    Example:
    >>> images = tf.reshape(tf.range(4 * 5 * 6), (4, 5, 6, 1))
    >>> out, y, _ = cutmix(images, tf.eye(4), tf.constant([3, 4], tf.int64), 1.0)
    >>> kept = tf.reduce_mean(tf.cast(out == images, tf.float32), axis=(1, 2, 3))
    >>> bool(tf.reduce_all(tf.abs(tf.linalg.diag_part(y) - kept) < 1e-6))
    True
    """
    batch_size = tf.shape(images)[0]
    boxes = batch_size if mode == "example" else 1
    uniforms = random.uniform([batch_size + (2 + _UNIFORMS_PER_BETA) * boxes], seed)
    partners = _partners(uniforms[:batch_size])
    rest = tf.reshape(uniforms[batch_size:], [2 + _UNIFORMS_PER_BETA, boxes])
    lam = _beta(rest[2:], alpha, seed)
    channels_first = data_format == "channels_first"
    return _cutmix_kernel(images, labels, sample_weight, partners, lam, rest[:2], channels_first)
