"""The math of MixUp and CutMix, as pure functions of tensors and seeds.

* `mixup`, `cutmix`: a whole batch step each: partners, weights or boxes, images, labels and
  sample weights.
* Their parts: `partner_indices`, `mix_features`, `cutmix_boxes`, `paste_boxes`; the weights
  come from `keras_noise.ops.beta.symmetric_beta` and the labels from
  `keras_noise.ops.labels.mix_labels`.

Speed comes from two things. `mixup` and `cutmix` draw all their random numbers (partners,
weights, box centres) in one Philox call: in a `tf.data` map each random op costs about 0.1 ms of
launch overhead, more than the arithmetic on a few hundred numbers. And the work on every pixel
and label runs as one small XLA kernel (gather and blend, or boxes, gather and select), one pass
over memory instead of several; it compiles in a fraction of a second per shape. MixUp of small
batches (`KERNEL_MIN_ENTRIES`) uses plain ops instead: there the kernel saves less than it costs
every new `tf.data` iterator to instantiate it. Mixing weights are float32 whatever the data's
dtype and are cast once to the features' dtype, so `mixed_float16` and `mixed_bfloat16`
pipelines work.
"""

from __future__ import annotations

import tensorflow as tf

from keras_noise.ops import random
from keras_noise.ops._shared import per_example
from keras_noise.ops.beta import UNIFORMS_PER_BETA, beta_from_uniforms
from keras_noise.ops.labels import mix_labels


def _partners(keys: tf.Tensor, batch_size) -> tf.Tensor:
    """`partner_indices` from `batch_size` uniform keys, one per example."""
    # The examples by decreasing key: a uniformly random order (one op; argsort takes four).
    order = tf.math.top_k(keys, k=batch_size).indices
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

    Examples:
        >>> partners = partner_indices(5, tf.constant([1, 2], tf.int64)).numpy()
        >>> sorted(partners.tolist()), bool((partners != range(5)).all())
        ([0, 1, 2, 3, 4], True)
    """
    return _partners(random.uniform(tf.reshape(batch_size, [1]), seed), batch_size)


def mix_features(x: tf.Tensor, partners: tf.Tensor, lam: tf.Tensor) -> tf.Tensor:
    """MixUp of a batch: `lam * x + (1 - lam) * x[partners]`, per example.

    Args:
        x: a float or integer tensor, batch first, of any rank >= 1. Integer inputs are mixed in
            float32, rounded and returned in their dtype.
        partners: int32 indices of shape `(batch,)`, e.g. from `partner_indices`.
        lam: float32 weights of shape `(batch,)`, the weight of each example itself.

    Returns:
        The mixed batch, same shape and dtype as `x`.

    Examples:
        >>> x = tf.constant([[0.0], [10.0]])
        >>> mix_features(x, tf.constant([1, 0]), tf.constant([0.75, 0.5])).numpy().ravel().tolist()
        [2.5, 5.0]
    """
    # lam * x + (1 - lam) * other, not other + lam * (x - other): lam = 1 returns x exactly.
    lam = per_example(tf.cast(lam, tf.float32), x.shape.rank)
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

    Examples:
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

    Examples:
        >>> x = tf.reshape(tf.range(2 * 2 * 3), (2, 2, 3, 1))
        >>> box = tuple(tf.constant([v]) for v in (0, 1, 1, 3))  # row 0, columns 1 and 2
        >>> paste_boxes(x, tf.constant([1, 0]), box)[0, ..., 0].numpy().tolist()
        [[0, 7, 8], [3, 4, 5]]
    """
    inside = _inside(boxes, tf.shape(x), data_format == "channels_first")
    return tf.where(inside, tf.gather(x, partners), x)


def _partners_and_weights(batch_size, alpha, seed: tf.Tensor, *, mode: str, extra: int = 0):
    """The partners, Beta(alpha, alpha) weights and `extra` uniforms of one batch step.

    All from one Philox call (see the module docstring), of shape `(1 + extra +
    UNIFORMS_PER_BETA, batch_size)`: row 0 holds the partners' keys, the next `extra` rows the
    extra uniforms and the rest the weights' uniforms. In "batch" mode only column 0 of the
    last two is used: one weight (and box) for the batch. Rows sliced at static offsets keep the
    graph small: in a `tf.data` map every op costs launch time on every batch.

    Returns:
        `(partners, lam, extras)`: `(batch,)` int32, `(weights,)` float32 and `(extra, weights)`
        float32, with `weights` the batch size ("example") or 1 ("batch").
    """
    uniforms = random.uniform(tf.stack([1 + extra + UNIFORMS_PER_BETA, batch_size]), seed)
    partners = _partners(uniforms[0], batch_size)
    columns = slice(None) if mode == "example" else slice(0, 1)
    lam = beta_from_uniforms(uniforms[1 + extra :, columns], alpha, seed)
    return partners, lam, uniforms[1 : 1 + extra, columns]


def _mixup_batch(x, labels, sample_weight, partners, lam):
    return (mix_features(x, partners, lam), *mix_labels(labels, partners, lam, sample_weight))


_mixup_kernel = tf.function(_mixup_batch, jit_compile=True)

# Batches of at least this many entries are mixed by `_mixup_kernel`; smaller ones by plain ops.
# The kernel reads and writes each entry once (plain ops make five passes), which pays on large
# batches (a steady `tf.data` map here: 0.8 against 1.6 ms a batch of 256x32x32x3), but every new
# `tf.data` iterator (every `fit` epoch) instantiates it again, which delayed the first batch by
# about 3 ms, while it saves little on small batches (0.30 against 0.35 ms for 64x32x32x3).
KERNEL_MIN_ENTRIES = 1 << 18
# The batch size assumed when the element's is not static (`ds.batch(n)` without
# `drop_remainder`): a common small one, so that large images still get the kernel.
_ASSUMED_BATCH = 32


def _mixes_in_kernel(x: tf.Tensor) -> bool:
    """Whether `mixup` mixes `x` with `_mixup_kernel` (see `KERNEL_MIN_ENTRIES`)."""
    per_example = x.shape[1:].num_elements() if x.shape.rank is not None else None
    if per_example is None:
        return True
    return per_example * (x.shape[0] or _ASSUMED_BATCH) >= KERNEL_MIN_ENTRIES


def mixup(
    x: tf.Tensor,
    labels: tf.Tensor,
    seed: tf.Tensor,
    alpha,
    *,
    sample_weight: tf.Tensor | None = None,
    mode: str = "example",
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor | None]:
    """MixUp of a batch (Zhang et al. 2018).

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

    Examples:
        >>> x, y = tf.random.stateless_uniform((6, 4), (1, 2)), tf.one_hot([0, 1, 2, 0, 1, 2], 3)
        >>> mixed_x, mixed_y, _ = mixup(x, y, tf.constant([3, 4], tf.int64), 0.4)
        >>> bool(tf.reduce_all(tf.abs(tf.reduce_sum(mixed_y, axis=-1) - 1.0) < 1e-6))
        True
    """
    batch_size = tf.shape(x)[0]
    partners, lam, _ = _partners_and_weights(batch_size, alpha, seed, mode=mode)
    lam = tf.maximum(lam, 1.0 - lam)
    if mode != "example":
        lam = tf.broadcast_to(lam, [batch_size])
    mix = _mixup_kernel if _mixes_in_kernel(x) else _mixup_batch
    return mix(x, labels, sample_weight, partners, lam)


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

    Examples:
        >>> images = tf.reshape(tf.range(4 * 5 * 6), (4, 5, 6, 1))
        >>> out, y, _ = cutmix(images, tf.eye(4), tf.constant([3, 4], tf.int64), 1.0)
        >>> kept = tf.reduce_mean(tf.cast(out == images, tf.float32), axis=(1, 2, 3))
        >>> bool(tf.reduce_all(tf.abs(tf.linalg.diag_part(y) - kept) < 1e-6))
        True
    """
    batch_size = tf.shape(images)[0]
    partners, lam, centres = _partners_and_weights(batch_size, alpha, seed, mode=mode, extra=2)
    channels_first = data_format == "channels_first"
    return _cutmix_kernel(images, labels, sample_weight, partners, lam, centres, channels_first)
