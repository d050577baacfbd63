"""The math of masking, SNR-controlled noise and speed perturbation, as pure functions.

Every function works on a whole batch at once (axis 0 is the batch) and draws per-example
randomness from one seed tensor of shape `(2,)` (see `keras_noise.ops.random`). Masks are built
from int32 coordinates compared with per-example bounds, so there is no per-example loop, and
nothing is computed in float16: positions are int32 or float32, and only the result is cast to
the input's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import tensorflow as tf

from keras_noise.ops import random

_EPSILON = 1e-12
_MAX_TABLE_BOXES = 3  # boxes up to which a Cutout mask is gathered from one table


# ----------------------------------------------------------------------------------- draws
# `stream=k` draws from an independent stream of the call's seed (`random.stream_seed`), for
# several draws from one seed without the ops of `split_seed`.
def _uniform(shape, seed: tf.Tensor, *, stream: int = 0, minval=0.0, maxval=1.0) -> tf.Tensor:
    """Float32 Philox draws uniform in `[minval, maxval)`."""
    return random.uniform(shape, random.stream_seed(seed, stream), minval=minval, maxval=maxval)


def _uniform_int(shape, seed: tf.Tensor, maxval: int, *, stream: int = 0) -> tf.Tensor:
    """Int32 Philox draws uniform in `[0, maxval)`, unbiased."""
    return random.uniform(
        shape, random.stream_seed(seed, stream), dtype=tf.int32, minval=0, maxval=maxval
    )


def _normal(shape, seed: tf.Tensor, *, stream: int = 0) -> tf.Tensor:
    """Float32 standard normal draws: `keras_noise.ops.random.normal` on the stream's seed."""
    return random.normal(shape, random.stream_seed(seed, stream))


# ------------------------------------------------------------------------------------ boxes
def random_boxes(
    batch, height, width, box_height, box_width, seed: tf.Tensor, *, num_boxes: int = 1
) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
    """Draws `num_boxes` boxes per example, centered uniformly on the image and clipped to it.

    As in Cutout, a center may lie near an edge, so a box can be partly outside the image; only
    the part inside is returned.

    Args:
        batch: the number of examples (int or scalar int32 tensor).
        height: the image height in pixels.
        width: the image width in pixels.
        box_height: the box height in pixels, before clipping: an int, a scalar, or an int32
            tensor of shape `(batch, num_boxes)` (one height per box).
        box_width: the box width in pixels, like `box_height`.
        seed: a seed tensor of shape `(2,)`.
        num_boxes: boxes per example.

    Returns:
        `(top, bottom, left, right)`: int32 tensors of shape `(batch, num_boxes)`; a box covers
        rows `top <= r < bottom` and columns `left <= c < right`.

    Example:
    >>> top, bottom, left, right = random_boxes(2, 8, 10, 4, 4, tf.constant([1, 2], tf.int64))
    >>> top.shape, bool(tf.reduce_all(bottom - top <= 4)), bool(tf.reduce_all(right <= 10))
    (TensorShape([2, 1]), True, True)
    """
    draws = _uniform(tf.stack([tf.cast(batch, tf.int32), num_boxes, 2]), seed)
    return _boxes_from_draws(draws, height, width, box_height, box_width)


def random_box_sizes(
    batch,
    height,
    width,
    seed: tf.Tensor,
    *,
    area_range: tuple[float, float],
    aspect_ratio_range: tuple[float, float] = (1.0, 1.0),
    num_boxes: int = 1,
    stream: int = 0,
) -> tuple[tf.Tensor, tf.Tensor]:
    """Draws box sides from a random area and aspect ratio per box (random erasing's sizes).

    The area `s` is uniform in `area_range` (a fraction of the image area `height * width`), and
    the aspect ratio `r = box_height / box_width` is log-uniform in `aspect_ratio_range` (so `r`
    and `1 / r` are equally likely). The sides are `round(sqrt(s * height * width * r))` and
    `round(sqrt(s * height * width / r))`, each at least 1 pixel; they may exceed the image
    sides (the box is then clipped where it is placed).

    Args:
        batch: the number of examples.
        height: the image height in pixels.
        width: the image width in pixels.
        seed: a seed tensor of shape `(2,)`.
        area_range: `(low, high)`, fractions of the image area with `0 < low <= high <= 1`.
        aspect_ratio_range: `(low, high)` with `0 < low <= high`, height over width.
        num_boxes: boxes per example.
        stream: which of the seed's independent streams to draw from.

    Returns:
        `(box_height, box_width)`: int32 tensors of shape `(batch, num_boxes)`.

    Example:
    >>> h, w = random_box_sizes(3, 20, 40, tf.constant([1, 2], tf.int64), area_range=(0.5, 0.5))
    >>> h.numpy().tolist(), w.numpy().tolist()
    ([[20], [20], [20]], [[20], [20], [20]])
    """
    draws = _uniform(tf.stack([tf.cast(batch, tf.int32), num_boxes, 2]), seed, stream=stream)
    area_low, area_high = (float(v) for v in area_range)
    log_low, log_high = (math.log(float(v)) for v in aspect_ratio_range)
    area = area_low + (area_high - area_low) * draws[..., 0]
    ratio = tf.exp(log_low + (log_high - log_low) * draws[..., 1])
    pixels = area * tf.cast(height, tf.float32) * tf.cast(width, tf.float32)
    box_height = tf.cast(tf.round(tf.sqrt(pixels * ratio)), tf.int32)
    box_width = tf.cast(tf.round(tf.sqrt(pixels / ratio)), tf.int32)
    return tf.maximum(box_height, 1), tf.maximum(box_width, 1)


def _boxes_from_draws(draws, height, width, box_height, box_width):
    """Box bounds from uniform draws `(batch, num_boxes, 2)`: the (row, column) of each center."""
    height, width = tf.cast(height, tf.int32), tf.cast(width, tf.int32)
    box_height, box_width = tf.cast(box_height, tf.int32), tf.cast(box_width, tf.int32)
    center_y = _uniform_index(draws[..., 0], height)
    center_x = _uniform_index(draws[..., 1], width)
    top = center_y - box_height // 2
    left = center_x - box_width // 2
    bottom = tf.clip_by_value(top + box_height, 0, height)
    right = tf.clip_by_value(left + box_width, 0, width)
    return tf.maximum(top, 0), bottom, tf.maximum(left, 0), right


def _uniform_index(draws, size):
    """Maps float32 draws in [0, 1) to integers uniform in [0, size)."""
    index = tf.cast(tf.floor(draws * tf.cast(size, tf.float32)), tf.int32)
    return tf.minimum(index, size - 1)  # guards float rounding up to `size`


def box_mask(height, width, top, bottom, left, right) -> tf.Tensor:
    """A boolean mask of shape `(batch, height, width)`: True inside any of the boxes.

    Args:
        height: the image height.
        width: the image width.
        top: int32 box bounds of shape `(batch, num_boxes)`, as from `random_boxes`.
        bottom: see `top`.
        left: see `top`.
        right: see `top`.

    Returns:
        The mask, built from per-row and per-column box membership.

    Example:
    >>> b = lambda v: tf.constant([[v]])
    >>> mask = box_mask(3, 4, b(1), b(3), b(0), b(2))
    >>> tf.cast(mask[0], tf.int32).numpy().tolist()
    [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]]
    """
    rows = tf.range(tf.cast(height, tf.int32), dtype=tf.int32)
    cols = tf.range(tf.cast(width, tf.int32), dtype=tf.int32)
    num_boxes = top.shape[1]
    if num_boxes is None:  # unknown statically: one (batch, boxes, height, width) temporary
        in_rows = (rows >= top[..., None]) & (rows < bottom[..., None])
        in_cols = (cols >= left[..., None]) & (cols < right[..., None])
        return tf.reduce_any(in_rows[..., :, None] & in_cols[..., None, :], axis=1)
    return _outer_mask(rows, cols, top, bottom, left, right, num_boxes)


def _outer_mask(rows, cols, top, bottom, left, right, num_boxes: int):
    """`(batch, len(rows), len(cols))`: True where a row and a column fall in the same box.

    `rows` and `cols` hold the image row and column of each row and column of the mask. A mask
    row only depends on which boxes its image row falls in, so the mask is gathered, whole rows
    at a time, from a small per-example table of the possible rows (the column membership of
    each subset of boxes) instead of being broadcast element by element: the cheaper way on CPU.
    """
    in_rows = (rows >= top[..., None]) & (rows < bottom[..., None])  # (batch, boxes, rows)
    in_cols = (cols >= left[..., None]) & (cols < right[..., None])  # (batch, boxes, cols)
    if num_boxes > _MAX_TABLE_BOXES:  # 2**boxes table rows would outgrow the mask: OR per box
        mask = None
        for box in range(num_boxes):
            box_rows = _gather_rows(in_cols[:, box : box + 1], in_rows[:, box])
            mask = box_rows if mask is None else mask | box_rows
        return mask
    # Table row `code` is the column membership of the boxes whose bits are set in `code`.
    table = tf.zeros_like(in_cols[:, :1])
    code = tf.zeros_like(in_rows[:, 0], dtype=tf.int32)
    for box in range(num_boxes):
        table = tf.concat([table, table | in_cols[:, box : box + 1]], axis=1)
        code += tf.cast(in_rows[:, box], tf.int32) * (1 << box)
    return tf.gather(table, code, axis=1, batch_dims=1)


def _gather_rows(columns, in_rows):
    """Rows of `[all False, columns]` `(batch, 2, cols)` picked by `in_rows` `(batch, rows)`."""
    table = tf.concat([tf.zeros_like(columns), columns], axis=1)
    return tf.gather(table, tf.cast(in_rows, tf.int32), axis=1, batch_dims=1)


def cutout(
    images: tf.Tensor,
    seed: tf.Tensor,
    *,
    box_height=None,
    box_width=None,
    area_range: tuple[float, float] | None = None,
    aspect_ratio_range: tuple[float, float] = (1.0, 1.0),
    num_boxes: int = 1,
    fill_mode: str = "constant",
    fill_value: float = 0.0,
    value_range: tuple[float, float] | None = None,
    rate=1.0,
    data_format: str = "channels_last",
) -> tf.Tensor:
    """Fills `num_boxes` random boxes per image (Cutout / random erasing).

    Box centers are uniform over the image and boxes are clipped at its border. The mask is
    built directly in the layout of the images, viewed as 2-D per example (`(height,
    width * channels)`, or `(channels * height, width)` for channels-first), from per-row and
    per-column box membership, so nothing of image size is computed in float and the final
    select needs no broadcasting. All the randomness of a call comes from `seed`, in separate
    Philox streams (geometry, sizes, fill).

    Args:
        images: a batch of images, `(batch, height, width, channels)` or, with
            `data_format="channels_first"`, `(batch, channels, height, width)`; any numeric
            dtype.
        seed: a seed tensor of shape `(2,)`.
        box_height: the box height in pixels (an int or a scalar int32 tensor); give
            `box_height` and `box_width`, or `area_range`.
        box_width: the box width in pixels.
        area_range: `(low, high)`, fractions of the image area: each box gets a random area and
            aspect ratio instead (see `random_box_sizes`).
        aspect_ratio_range: with `area_range`, the range of box height / width.
        num_boxes: boxes per image.
        fill_mode: what the boxes are filled with: "constant" (`fill_value`), "mean" (the
            per-channel mean of that image, rounded for integer images) or "noise" (a fresh
            random value per pixel and channel: uniform in `value_range`, integers for integer
            images; standard normal for float images when `value_range` is None).
        fill_value: the value of a constant fill, cast to the images' dtype.
        value_range: `(low, high)`, the range of noise values; required for integer images
            with noise fill.
        rate: the probability that an image gets its boxes (else it is unchanged).
        data_format: "channels_last" or "channels_first".

    Returns:
        The images with their boxes filled, same shape and dtype.

    Example:
    >>> images = tf.ones((2, 6, 8, 3))
    >>> out = cutout(images, tf.constant([1, 2], tf.int64), box_height=2, box_width=2)
    >>> int(tf.reduce_sum(tf.cast(out == 0.0, tf.int32))) <= 2 * 4 * 3
    True
    """
    shape = tf.shape(images)
    batch = shape[0]
    if data_format == "channels_first":
        channels, height, width = shape[1], shape[2], shape[3]
    else:
        height, width, channels = shape[1], shape[2], shape[3]
    if area_range is not None:
        box_height, box_width = random_box_sizes(
            batch,
            height,
            width,
            seed,
            area_range=area_range,
            aspect_ratio_range=aspect_ratio_range,
            num_boxes=num_boxes,
            stream=1,
        )
    # One draw per call: the (row, column) of each center, then one for "is this image cut".
    draws = _uniform(tf.stack([batch, 2 * num_boxes + 1]), seed)
    centers = tf.reshape(draws[:, : 2 * num_boxes], tf.stack([batch, num_boxes, 2]))
    top, bottom, left, right = _boxes_from_draws(centers, height, width, box_height, box_width)
    applied = draws[:, 2 * num_boxes :] < tf.cast(rate, tf.float32)  # (batch, 1)
    bottom = tf.where(applied, bottom, top)  # an image that is not cut gets empty boxes
    if data_format == "channels_first":
        rows = tf.range(channels * height, dtype=tf.int32) % height
        cols = tf.range(width, dtype=tf.int32)
        view = tf.stack([batch, channels * height, width])
    else:
        rows = tf.range(height, dtype=tf.int32)
        cols = tf.range(width * channels, dtype=tf.int32) // channels
        view = tf.stack([batch, height, width * channels])
    mask = _outer_mask(rows, cols, top, bottom, left, right, num_boxes)
    if fill_mode == "mean":
        fill = _channel_mean_fill(images, data_format, view)
    elif fill_mode == "noise":
        fill = _noise_fill(view, images.dtype, value_range, seed)
    else:
        fill = tf.cast(fill_value, images.dtype)
    filled = tf.where(mask, fill, tf.reshape(images, view))
    return tf.reshape(filled, shape)


def _channel_mean_fill(images, data_format, view):
    """Each image's per-channel mean, laid out to broadcast against the 2-D view of `images`."""
    channels_first = data_format == "channels_first"
    spatial = [2, 3] if channels_first else [1, 2]
    means = tf.reduce_mean(tf.cast(images, tf.float32), axis=spatial)  # (batch, channels)
    if images.dtype.is_integer:
        means = tf.round(means)
    means = tf.cast(means, images.dtype)
    shape = tf.shape(images)
    if channels_first:  # view rows run over (channel, row): repeat each mean `height` times
        rows = tf.broadcast_to(means[:, :, None], shape[:3])
        return tf.reshape(rows, tf.stack([view[0], view[1], 1]))
    cols = tf.broadcast_to(means[:, None, :], tf.stack([shape[0], shape[2], shape[3]]))
    return tf.reshape(cols, tf.stack([view[0], 1, view[2]]))  # view columns: (column, channel)


def _noise_fill(view, dtype, value_range, seed):
    """Fresh random values of the view's shape: see `cutout`'s `fill_mode="noise"`."""
    dtype = tf.as_dtype(dtype)
    if value_range is None:
        return tf.cast(_normal(view, seed, stream=2), dtype)
    low, high = float(value_range[0]), float(value_range[1])
    if dtype.is_integer:  # integers uniform on {ceil(low), ..., floor(high)}
        low, high = math.ceil(low), math.floor(high)
        draws = _uniform(view, seed, stream=2, minval=float(low), maxval=float(high + 1))
        return tf.cast(tf.minimum(tf.floor(draws), float(high)), dtype)
    return tf.cast(_uniform(view, seed, stream=2, minval=low, maxval=high), dtype)


# ---------------------------------------------------------------------------- entry masks
def bernoulli_16bit(shape, probability, seed: tf.Tensor, *, stream: int = 0) -> tf.Tensor:
    """Boolean draws, True with `probability` rounded to a multiple of 1/65536.

    Each 32-bit Philox draw is split into two 16-bit uniform integers `u`, and a draw is True
    when `u < round(probability * 65536)`: half the random numbers of a float draw and no
    conversion to float, for masks with one decision per entry of a large tensor. The rounding
    moves the probability by at most 2**-17 (0.0000076); 0 and 1 stay exact.

    Args:
        shape: the shape of the result (a list or an int32 tensor).
        probability: a scalar float or float32 tensor in [0, 1].
        seed: a seed tensor of shape `(2,)`.
        stream: which of the seed's independent streams to draw from.

    Returns:
        A boolean tensor of `shape`.

    Example:
    >>> draws = bernoulli_16bit((400, 500), 0.25, tf.constant([1, 2], tf.int64))
    >>> abs(float(tf.reduce_mean(tf.cast(draws, tf.float32))) - 0.25) < 0.005
    True
    """
    shape = tf.cast(shape, tf.int32)
    size = tf.reduce_prod(shape)
    words = random.uniform_bits(tf.reshape((size + 1) // 2, [1]), random.stream_seed(seed, stream))
    halves = tf.reshape(tf.bitcast(words, tf.uint16), [-1])[:size]
    threshold = tf.cast(tf.round(tf.cast(probability, tf.float32) * 65536.0), tf.int32)
    return tf.reshape(tf.cast(halves, tf.int32) < threshold, shape)


def feature_mask(
    x: tf.Tensor,
    rate,
    seed: tf.Tensor,
    *,
    fill_value=0.0,
    noise_stddev=None,
    noise_shape=None,
) -> tf.Tensor:
    """Replaces entries of `x` with probability `rate`, by a constant or by noise.

    The mask comes from `bernoulli_16bit` (`rate` at a resolution of 1/65536).

    Args:
        x: a tensor of any shape and numeric dtype (noise fill: float).
        rate: the probability that an entry is masked.
        seed: a seed tensor of shape `(2,)`.
        fill_value: the value written into masked entries: a scalar or anything broadcastable
            to `x`, e.g. one value per feature on the last axis; cast to `x.dtype`.
        noise_stddev: None for a constant fill; else masked entries get
            `fill_value + noise_stddev * n` with `n` standard normal, drawn per entry
            (`noise_stddev` a scalar or broadcastable to `x`, like `fill_value`).
        noise_shape: the shape of the mask, broadcastable to `x` (a 1 shares one draw along
            that axis), or None for one draw per entry.

    Returns:
        The masked tensor, same shape and dtype.

    Example:
    >>> y = feature_mask(tf.ones((100, 100)), 0.3, tf.constant([1, 2], tf.int64))
    >>> abs(float(tf.reduce_mean(tf.cast(y == 0.0, tf.float32))) - 0.3) < 0.03
    True
    >>> y = feature_mask(tf.ones((4, 3)), 1.0, tf.constant([1, 2], tf.int64),
    ...                  fill_value=tf.constant([5.0, 6.0, 7.0]))
    >>> y.numpy()[0].tolist()
    [5.0, 6.0, 7.0]
    """
    mask_shape = tf.shape(x) if noise_shape is None else noise_shape
    if noise_stddev is None:
        masked = bernoulli_16bit(mask_shape, rate, seed)
        return tf.where(masked, tf.cast(fill_value, x.dtype), x)
    masked = bernoulli_16bit(mask_shape, rate, seed)
    noise = _normal(tf.shape(x), seed, stream=1) * tf.cast(noise_stddev, tf.float32)
    fill = tf.cast(noise + tf.cast(fill_value, tf.float32), x.dtype)
    return tf.where(masked, fill, x)


def token_mask(
    token_ids: tf.Tensor,
    rate,
    seed: tf.Tensor,
    *,
    mask_token_id: int,
    vocabulary_size: int,
    mask_token_rate: float = 0.8,
    random_token_rate: float = 0.1,
    protected_token_ids: Sequence[int] = (),
) -> tuple[tf.Tensor, tf.Tensor]:
    """Selects tokens with probability `rate` and masks, randomizes or keeps them (BERT-style).

    A selected token becomes `mask_token_id` with probability `mask_token_rate`, a token drawn
    uniformly from `[0, vocabulary_size)` with probability `random_token_rate`, and stays as it is
    otherwise (BERT's 80/10/10 by default). Tokens in `protected_token_ids` (padding, special
    tokens) are never selected.

    Args:
        token_ids: an integer tensor of any shape.
        rate: the probability that a token is selected.
        seed: a seed tensor of shape `(2,)`.
        mask_token_id: the id written into masked positions.
        vocabulary_size: the number of token ids; random replacements are drawn below it.
        mask_token_rate: the probability that a selected token becomes `mask_token_id`.
        random_token_rate: the probability that a selected token becomes a random token.
        protected_token_ids: ids that are never selected.

    Returns:
        `(new_token_ids, selected)`: the token ids (same shape and dtype) and a boolean tensor
        that is True at the selected positions (where a masked-LM loss belongs).

    Example:
    >>> ids = tf.constant([[5, 6, 7, 0]])
    >>> new, selected = token_mask(ids, 1.0, tf.constant([1, 2], tf.int64), mask_token_id=1,
    ...                            vocabulary_size=10, mask_token_rate=1.0, random_token_rate=0.0,
    ...                            protected_token_ids=(0,))
    >>> new.numpy().tolist(), selected.numpy().tolist()
    ([[1, 1, 1, 0]], [[True, True, True, False]])
    """
    shape = tf.shape(token_ids)
    dtype = token_ids.dtype
    selected = _uniform(shape, seed) < tf.cast(rate, tf.float32)
    for token in protected_token_ids:
        selected &= token_ids != tf.cast(token, dtype)
    action = _uniform(shape, seed, stream=1)
    to_mask = selected & (action < mask_token_rate)
    outputs = tf.where(to_mask, tf.cast(mask_token_id, dtype), token_ids)
    if random_token_rate > 0.0:
        to_random = selected & ~to_mask & (action < mask_token_rate + random_token_rate)
        random_ids = _uniform_int(shape, seed, vocabulary_size, stream=2)
        outputs = tf.where(to_random, tf.cast(random_ids, dtype), outputs)
    return outputs, selected


# ----------------------------------------------------------------------------- band masks
def band_mask(
    batch,
    length,
    seed: tf.Tensor,
    *,
    max_width: int,
    num_bands: int = 1,
    max_fraction: float = 1.0,
    rate=1.0,
) -> tf.Tensor:
    """Per-example masks of `num_bands` contiguous bands along one axis (SpecAugment masks).

    Each band has a width drawn uniformly from `{0, ..., w}` with
    `w = min(max_width, floor(max_fraction * length))` and a start drawn uniformly among the
    positions where it fits; each band is kept with probability `rate`.

    Args:
        batch: the number of examples.
        length: the length of the masked axis.
        seed: a seed tensor of shape `(2,)`.
        max_width: the largest band width, in steps of the axis (frames or bins).
        num_bands: bands per example.
        max_fraction: the largest band width as a fraction of `length`.
        rate: the probability that each band is applied.

    Returns:
        A boolean tensor of shape `(batch, length)`, True inside a band.

    Example:
    >>> mask = band_mask(3, 50, tf.constant([1, 2], tf.int64), max_width=10, num_bands=2)
    >>> mask.shape, bool(tf.reduce_all(tf.reduce_sum(tf.cast(mask, tf.int32), 1) <= 20))
    (TensorShape([3, 50]), True)
    """
    length = tf.cast(length, tf.int32)
    draws = _uniform(tf.stack([tf.cast(batch, tf.int32), num_bands, 3]), seed)
    cap = tf.cast(tf.floor(max_fraction * tf.cast(length, tf.float32)), tf.int32)
    widest = tf.minimum(tf.constant(max_width, tf.int32), cap)
    widths = _uniform_index(draws[..., 0], widest + 1)
    room = length - widths + 1  # the number of valid starts, >= 1
    starts = _uniform_index(draws[..., 1], room)
    widths = tf.where(draws[..., 2] < tf.cast(rate, tf.float32), widths, 0)
    positions = tf.range(length, dtype=tf.int32)
    inside = (positions >= starts[..., None]) & (positions < (starts + widths)[..., None])
    return tf.reduce_any(inside, axis=1)


def mask_along_axis(
    x: tf.Tensor, mask: tf.Tensor, axis: int, *, fill_value: float = 0.0
) -> tf.Tensor:
    """Writes `fill_value` where a `(batch, length)` mask is True, along `axis` of `x`.

    Args:
        x: a tensor whose axis 0 is the batch and whose `axis` has the mask's length.
        mask: a boolean tensor of shape `(batch, x.shape[axis])`.
        axis: the (non-negative) axis the mask runs along.
        fill_value: the value written, cast to `x.dtype`.

    Returns:
        The masked tensor, same shape and dtype as `x`.

    Example:
    >>> x = tf.ones((1, 2, 3))
    >>> mask_along_axis(x, tf.constant([[False, True, False]]), 2).numpy().tolist()
    [[[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]]
    """
    rank = len(x.shape)
    index = tuple(slice(None) if i in (0, axis) else tf.newaxis for i in range(rank))
    return tf.where(mask[index], tf.cast(fill_value, x.dtype), x)


def temporal_dropout(
    x: tf.Tensor, rate, seed: tf.Tensor, *, fill_value: float = 0.0, forward_fill: bool = False
) -> tf.Tensor:
    """Drops whole time steps (axis 1), each with probability `rate`.

    A dropped step is replaced by `fill_value` or, with `forward_fill=True`, by the last kept
    step before it (steps before an example's first kept step get `fill_value`).

    Args:
        x: a tensor `(batch, time, ...)`; all the entries of a step share one decision.
        rate: the probability that a step is dropped.
        seed: a seed tensor of shape `(2,)`.
        fill_value: the value written into dropped steps, cast to `x.dtype`.
        forward_fill: whether dropped steps repeat the last kept step.

    Returns:
        The tensor with dropped steps, same shape and dtype.

    Example:
    >>> y = temporal_dropout(tf.ones((2, 5, 3)), 1.0, tf.constant([1, 2], tf.int64))
    >>> float(tf.reduce_max(y))
    0.0
    """
    dropped = _uniform(tf.shape(x)[:2], seed) < tf.cast(rate, tf.float32)
    if not forward_fill:
        return mask_along_axis(x, dropped, 1, fill_value=fill_value)
    source = last_kept_step(~dropped)
    carried = tf.gather(x, tf.maximum(source, 0), axis=1, batch_dims=1)
    return mask_along_axis(carried, source < 0, 1, fill_value=fill_value)


def last_kept_step(kept: tf.Tensor) -> tf.Tensor:
    """For each step, the index of the last kept step at or before it; -1 if there is none.

    A vectorized cumulative maximum of the kept indices: the running count of kept steps
    splits each row into segments that start at a kept step, and one segment-max gives each
    segment's start. No loop over time or examples.

    Args:
        kept: a boolean tensor `(batch, time)`.

    Returns:
        An int32 tensor `(batch, time)`.

    Example:
    >>> last_kept_step(tf.constant([[False, True, False, True, False]])).numpy().tolist()
    [[-1, 1, 1, 3, 3]]
    """
    shape = tf.shape(kept)
    batch, length = shape[0], shape[1]
    positions = tf.range(length, dtype=tf.int32)
    count = tf.cumsum(tf.cast(kept, tf.int32), axis=1)  # segment of each step, 0 = before any
    segments = count + (length + 1) * tf.range(batch, dtype=tf.int32)[:, None]
    starts = tf.math.unsorted_segment_max(
        tf.where(kept, positions, -1), segments, num_segments=batch * (length + 1)
    )
    starts = tf.reshape(starts, tf.stack([batch, length + 1]))
    return tf.gather(starts, count, axis=1, batch_dims=1)


# ---------------------------------------------------------------------------------- audio
def noise_from_bank(bank: tf.Tensor, batch, length, seed: tf.Tensor) -> tf.Tensor:
    """Draws one noise segment of `length` samples per example from a bank of noise clips.

    Each example gets a clip chosen uniformly and a random start in it. A clip at least
    `length` long yields a window inside it (start uniform in `[0, clip_length - length]`);
    a shorter clip is looped (start uniform in `[0, clip_length)`, reading wraps around).

    Args:
        bank: a float tensor `(num_clips, clip_length)` or `(num_clips, clip_length, channels)`.
        batch: the number of examples.
        length: the number of samples per segment.
        seed: a seed tensor of shape `(2,)`.

    Returns:
        A tensor `(batch, length)` or `(batch, length, channels)`, in the bank's dtype.

    Example:
    >>> bank = tf.constant([[1.0, 2.0, 3.0]])
    >>> noise_from_bank(bank, 2, 7, tf.constant([1, 2], tf.int64)).shape
    TensorShape([2, 7])
    """
    bank_shape = tf.shape(bank)
    num_clips, clip_length = bank_shape[0], bank_shape[1]
    batch, length = tf.cast(batch, tf.int32), tf.cast(length, tf.int32)
    draws = _uniform(tf.stack([batch, 2]), seed)
    clips = _uniform_index(draws[:, 0], num_clips)
    starts = tf.where(clip_length >= length, clip_length - length + 1, clip_length)
    offsets = _uniform_index(draws[:, 1], starts)
    positions = (offsets[:, None] + tf.range(length, dtype=tf.int32)[None, :]) % clip_length
    flat = tf.reshape(bank, tf.concat([[num_clips * clip_length], bank_shape[2:]], axis=0))
    return tf.gather(flat, clips[:, None] * clip_length + positions)


def add_noise_at_snr(x: tf.Tensor, snr_db, seed: tf.Tensor, *, noise=None) -> tf.Tensor:
    """Adds noise at a per-example signal-to-noise ratio, in decibels.

    The signal power `mean(x**2)` is computed per example (over all non-batch axes) in float32.
    The noise (white Gaussian, or the given `noise`) is rescaled so that its realized power is
    exactly `power / 10**(snr_db / 10)`; a silent example (power 0) gets no noise, and silent
    noise adds nothing: the output stays finite.

    Args:
        x: a float tensor whose axis 0 is the batch.
        snr_db: the SNR in dB, a scalar or a float tensor of shape `(batch,)`; `inf` adds no
            noise.
        seed: a seed tensor of shape `(2,)` (unused when `noise` is given).
        noise: None for white Gaussian noise, or a tensor broadcastable to `x` (e.g. segments
            from `noise_from_bank`).

    Returns:
        The noisy tensor, same shape and dtype as `x`.

    Example:
    >>> x = tf.sin(tf.linspace(0.0, 100.0, 8000))[None]
    >>> y = add_noise_at_snr(x, 10.0, tf.constant([1, 2], tf.int64))
    >>> ratio = tf.reduce_mean(x**2) / tf.reduce_mean((y - x) ** 2)
    >>> round(float(10 * tf.math.log(ratio) / tf.math.log(10.0)), 2)
    10.0
    """
    signal = tf.cast(x, tf.float32)
    axes = list(range(1, len(x.shape)))
    power = tf.reduce_mean(tf.square(signal), axis=axes)
    if noise is None:
        noise = _normal(tf.shape(signal), seed)
    else:
        noise = tf.broadcast_to(tf.cast(noise, tf.float32), tf.shape(signal))
    noise_power = tf.reduce_mean(tf.square(noise), axis=axes)
    snr_db = tf.broadcast_to(tf.cast(snr_db, tf.float32), tf.shape(power))
    target_power = power * tf.pow(10.0, -snr_db / 10.0)
    scale = tf.sqrt(target_power / (noise_power + _EPSILON))
    scale = tf.reshape(scale, tf.concat([tf.shape(scale), tf.ones([len(axes)], tf.int32)], 0))
    return tf.cast(signal + noise * scale, x.dtype)


def resample_linear(x: tf.Tensor, factors: tf.Tensor) -> tf.Tensor:
    """Plays each example `factors` times faster, by linear interpolation; the length is kept.

    Output step `t` reads the input at the float position `t * factor`, interpolating between
    its two neighbours (a gather on computed positions). A factor above 1 shortens the signal and
    the freed tail is filled with zeros; a factor below 1 stretches it and the end is cropped. A
    factor of exactly 1 returns the input unchanged. There is no anti-aliasing filter.

    Args:
        x: a float tensor `(batch, time)` or `(batch, time, channels...)`.
        factors: a float tensor of shape `(batch,)`, the speed factors, > 0.

    Returns:
        The resampled tensor, same shape and dtype as `x`.

    Example:
    >>> x = tf.constant([[0.0, 1.0, 2.0, 3.0, 4.0]])
    >>> resample_linear(x, tf.constant([2.0])).numpy().tolist()
    [[0.0, 2.0, 4.0, 0.0, 0.0]]
    >>> resample_linear(x, tf.constant([0.5])).numpy().tolist()
    [[0.0, 0.5, 1.0, 1.5, 2.0]]
    """
    length = tf.shape(x)[1]
    last = length - 1
    steps = tf.range(length, dtype=tf.float32)
    positions = steps[None, :] * tf.cast(factors, tf.float32)[:, None]  # (batch, time)
    floor = tf.floor(positions)
    fraction = positions - floor
    lower = tf.minimum(tf.cast(floor, tf.int32), last)
    upper = tf.minimum(lower + 1, last)
    signal = tf.cast(x, tf.float32)
    low_values = tf.gather(signal, lower, axis=1, batch_dims=1)
    high_values = tf.gather(signal, upper, axis=1, batch_dims=1)
    trailing = [tf.newaxis] * (len(x.shape) - 2)
    fraction = fraction[(Ellipsis, *trailing)]
    values = low_values + fraction * (high_values - low_values)
    inside = (positions <= tf.cast(last, tf.float32))[(Ellipsis, *trailing)]
    return tf.cast(tf.where(inside, values, 0.0), x.dtype)
