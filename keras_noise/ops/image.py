"""The math of Cutout and random erasing: random boxes per image, their masks, and the fill.

Every function works on a whole batch at once (axis 0 is the batch) and draws per-example
randomness from one seed tensor of shape `(2,)` (see `keras_noise.ops.random`). Masks are built
from int32 coordinates compared with per-example bounds, so there is no per-example loop, and
nothing of image size is computed in float16: positions are int32 or float32, and only the result
is cast to the images' dtype.
"""

from __future__ import annotations

import math

import tensorflow as tf

from keras_noise.ops._shared import stream_normal, stream_uniform, uniform_index

_MAX_TABLE_BOXES = 3  # boxes up to which a Cutout mask is gathered from one table


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

    Examples:
        >>> top, bottom, left, right = random_boxes(2, 8, 10, 4, 4, tf.constant([1, 2], tf.int64))
        >>> top.shape, bool(tf.reduce_all(bottom - top <= 4)), bool(tf.reduce_all(right <= 10))
        (TensorShape([2, 1]), True, True)
    """
    draws = stream_uniform(tf.stack([tf.cast(batch, tf.int32), num_boxes, 2]), seed)
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

    Examples:
        >>> h, w = random_box_sizes(3, 20, 40, tf.constant([1, 2], tf.int64), area_range=(0.5, 0.5))
        >>> h.numpy().tolist(), w.numpy().tolist()
        ([[20], [20], [20]], [[20], [20], [20]])
    """
    draws = stream_uniform(tf.stack([tf.cast(batch, tf.int32), num_boxes, 2]), seed, stream=stream)
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
    center_y = uniform_index(draws[..., 0], height)
    center_x = uniform_index(draws[..., 1], width)
    top = center_y - box_height // 2
    left = center_x - box_width // 2
    bottom = tf.clip_by_value(top + box_height, 0, height)
    right = tf.clip_by_value(left + box_width, 0, width)
    return tf.maximum(top, 0), bottom, tf.maximum(left, 0), right


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

    Examples:
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
    probability=1.0,
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
        probability: the probability that an image gets its boxes (else it is unchanged).
        data_format: "channels_last" or "channels_first".

    Returns:
        The images with their boxes filled, same shape and dtype.

    Examples:
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
    draws = stream_uniform(tf.stack([batch, 2 * num_boxes + 1]), seed)
    centers = tf.reshape(draws[:, : 2 * num_boxes], tf.stack([batch, num_boxes, 2]))
    top, bottom, left, right = _boxes_from_draws(centers, height, width, box_height, box_width)
    applied = draws[:, 2 * num_boxes :] < tf.cast(probability, tf.float32)  # (batch, 1)
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
        return tf.cast(stream_normal(view, seed, stream=2), dtype)
    low, high = float(value_range[0]), float(value_range[1])
    if dtype.is_integer:  # integers uniform on {ceil(low), ..., floor(high)}
        low, high = math.ceil(low), math.floor(high)
        draws = stream_uniform(view, seed, stream=2, minval=float(low), maxval=float(high + 1))
        return tf.cast(tf.minimum(tf.floor(draws), float(high)), dtype)
    return tf.cast(stream_uniform(view, seed, stream=2, minval=low, maxval=high), dtype)
