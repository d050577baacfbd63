"""Cutout: random rectangular boxes erased in images (and random erasing's sizes and fills).

Like every preprocessing layer it applies its noise in ``ds.map(layer)`` and in a model during
`fit`, and is the identity at inference (see `keras_noise.layers.base`). It works on any numeric
dtype: uint8 images stay uint8. Its op is `keras_noise.ops.image.cutout`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_noise._deprecation import renamed_arguments
from keras_noise._validation import (
    check_choice,
    check_float,
    check_int,
    check_range,
    check_rank,
    invalid_value,
)
from keras_noise.layers._arguments import (
    check_fraction,
    check_fraction_range,
    check_pair,
    check_pixels,
    check_positive_range,
)
from keras_noise.layers._dtypes import KeepsInputDtype, check_fill_value, check_integer_value_range
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import image as image_ops

DEFAULT_AREA_RANGE = (0.02, 0.33)  # keras.layers.RandomErasing's default `scale`


@keras.saving.register_keras_serializable(package="keras_noise")
class Cutout(KeepsInputDtype, PipelineNoiseLayer):
    """Fills random rectangular boxes of each image (Cutout, and random erasing's options).

    Each image gets `num_boxes` boxes whose centers are drawn uniformly over the image,
    independently per image; a box that crosses the border is clipped, as in Cutout. Give the
    box size in at most one of three ways:

    * `size_fraction`: a fraction of the image sides (the same for every box);
    * `size_pixels`: pixels (the same for every box), no larger than the image;
    * `area_range`: random erasing's sizes (Zhong et al.): per box, an area drawn uniformly in
      `area_range` (a fraction of the image area) and an aspect ratio (height / width)
      log-uniform in `aspect_ratio_range` (default: square boxes). The sides are rounded to
      whole pixels (at least 1) and may exceed the image, which clips them.

    With none of them, `Cutout()` works out of the box like `keras.layers.RandomErasing()`: one
    box per image, always applied, with an area drawn in RandomErasing's default
    `scale=(0.02, 0.33)` (`area_range=(0.02, 0.33)`, square boxes).

    The boxes are filled with a constant (`fill_mode="constant"`, `fill_value`), the
    per-channel mean of that image (`"mean"`) or fresh noise per pixel and channel (`"noise"`:
    uniform in `value_range`, or standard normal for float images without one; integer images
    need a `value_range` and get integers in it).

    `layer.strength` is `probability`: the probability that an image gets its boxes (1.0: every
    image; schedule it to fade Cutout in or out). The box size is fixed at construction.

    Args:
        probability: the probability that an image gets its boxes, in [0, 1].
        size_fraction: the box side as a fraction of the image side, in (0, 1]; a float for the same
            fraction of the height and of the width, or a pair `(height_fraction,
            width_fraction)`. The side in pixels is rounded to the nearest integer (at least 1).
        size_pixels: the box side in pixels, an int >= 1 or a pair `(height, width)`; a box
            larger than the image is an error.
        area_range: `(low, high)` with `0 < low <= high <= 1`: each box's area as a fraction of
            the image area is drawn uniformly in it (Zhong et al. use `(0.02, 0.4)`). The
            default when no size is given is `(0.02, 0.33)`.
        aspect_ratio_range: `(low, high)` with `0 < low <= high`, the range of each box's
            height / width, drawn log-uniformly; only with `area_range` or the default size
            (None: 1, square boxes; Zhong et al. use `(0.3, 3.3)`).
        num_boxes: boxes per image, >= 1 (they may overlap).
        fill_mode: "constant", "mean" or "noise" (see above).
        fill_value: the value of a constant fill (None: 0.0); for integer images, an integer
            in the dtype's range. Only with `fill_mode="constant"`.
        value_range: `(low, high)`, the range of the pixel values: noise fills are drawn in it
            (required for integer images with `fill_mode="noise"`), and a constant fill
            (`fill_value`, or its default 0.0) must lie in it.
        data_format: "channels_last" (`(..., height, width, channels)`) or "channels_first"
            (`(..., channels, height, width)`); None uses `keras.config.image_data_format()`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: one image (rank 3) or a batch of images (rank 4), of any numeric dtype; or a
            `tf.data` element `(x, y)`, `(x, y, sample_weight)` or dict (boxes go into the
            images only).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The images with their boxes filled, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.Cutout(size_pixels=(2, 3), seed=0)
        >>> y = np.asarray(layer(np.ones((1, 6, 8, 3), "float32")))
        >>> 0 < int((y[0, ..., 0] == 0).sum()) <= 6
        True
        >>> bool(np.all(layer(np.ones((1, 6, 8, 3), "float32"), training=False) == 1))
        True
        >>> erased = np.asarray(kn.layers.Cutout(seed=0)(np.ones((2, 32, 32, 3), "float32")))
        >>> [int((image[..., 0] == 0).sum()) > 0 for image in erased]  # one box each, defaults
        [True, True]
        >>> erasing = kn.layers.Cutout(area_range=(0.02, 0.4), aspect_ratio_range=(0.3, 3.3),
        ...                            fill_mode="noise", value_range=(0, 255), seed=0)
        >>> np.asarray(erasing(np.zeros((2, 32, 24, 3), "uint8"))).dtype.name
        'uint8'

    References:
        DeVries and Taylor, "Improved Regularization of Convolutional Neural Networks with
        Cutout", 2017, arXiv:1708.04552. Zhong et al., "Random Erasing Data Augmentation",
        AAAI 2020, arXiv:1708.04896.
    """

    strength_name = "probability"
    strength_bounds = {"low": 0.0, "high": 1.0}

    @renamed_arguments(rate="probability", size="size_fraction", num_holes="num_boxes")
    def __init__(
        self,
        probability: float = 1.0,
        *,
        size_fraction: float | Sequence[float] | None = None,
        size_pixels: int | Sequence[int] | None = None,
        area_range: Sequence[float] | None = None,
        aspect_ratio_range: Sequence[float] | None = None,
        num_boxes: int = 1,
        fill_mode: str = "constant",
        fill_value: float | None = None,
        value_range: Sequence[float] | None = None,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(probability, seed=seed, **kwargs)
        given = [value is not None for value in (size_fraction, size_pixels, area_range)]
        if sum(given) > 1:
            raise invalid_value(
                "size_fraction",
                "at most one of `size_fraction` (a fraction of the image side), `size_pixels` "
                "(pixels) and `area_range` (fractions of the image area); received "
                f"size_pixels={size_pixels!r}, area_range={area_range!r}",
                size_fraction,
            )
        if not any(given):
            area_range = DEFAULT_AREA_RANGE
        self.size_fraction = (
            None
            if size_fraction is None
            else check_pair("size_fraction", size_fraction, check_fraction)
        )
        self.size_pixels = (
            None if size_pixels is None else check_pair("size_pixels", size_pixels, check_pixels)
        )
        self.area_range = (
            None if area_range is None else check_fraction_range("area_range", area_range)
        )
        if aspect_ratio_range is not None:
            if area_range is None:
                raise invalid_value(
                    "aspect_ratio_range", "None unless `area_range` is given", aspect_ratio_range
                )
            aspect_ratio_range = check_positive_range("aspect_ratio_range", aspect_ratio_range)
        self.aspect_ratio_range = aspect_ratio_range
        self.num_boxes = check_int("num_boxes", num_boxes, low=1)
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant", "mean", "noise"))
        if fill_value is not None:
            if fill_mode != "constant":
                raise invalid_value(
                    "fill_value",
                    f"None with fill_mode={fill_mode!r} (it is a constant fill)",
                    fill_value,
                )
            fill_value = check_float("fill_value", fill_value)
        self.fill_value = fill_value
        self.value_range = (
            None
            if value_range is None
            else check_range("value_range", value_range, allow_equal=False)
        )
        if self.value_range is not None and self.fill_mode == "constant":
            low, high = self.value_range
            if not low <= (0.0 if fill_value is None else fill_value) <= high:
                raise invalid_value(
                    "fill_value",
                    f"a float in the value range [{low:g}, {high:g}] (None means 0.0)",
                    fill_value,
                )
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = check_choice(
            "data_format", data_format, ("channels_last", "channels_first")
        )

    def build(self, input_shape):
        self._check_shape(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None):
        self._check_shape(inputs.shape)
        self._check_dtype(inputs.dtype)
        return super().call(inputs, training=training)

    def _check_shape(self, shape):
        """Raises for a wrong rank, or for pixel boxes larger than a (statically known) image."""
        layout = (
            "(channels, height, width)"
            if self.data_format == "channels_first"
            else "(height, width, channels)"
        )
        check_rank(self.name, shape, (3, 4), f"an image {layout} or a batch of them")
        if self.size_pixels is None:
            return
        first = len(shape) - 3 + (1 if self.data_format == "channels_first" else 0)
        image = tuple(shape[first : first + 2])
        too_large = [
            side is not None and box > side
            for box, side in zip(self.size_pixels, image, strict=True)
        ]
        if any(too_large):
            raise ValueError(
                f"Invalid value for `size_pixels` of layer '{self.name}': expected boxes no "
                f"larger than the image ({image[0]}, {image[1]}) (height, width) of inputs of "
                f"shape={tuple(shape)}. Received: size_pixels={self.size_pixels!r}"
            )

    def _check_dtype(self, dtype):
        """Raises for non-numeric images and fills their dtype cannot hold, naming the dtype."""
        dtype = tf.as_dtype(dtype)
        if not (dtype.is_floating or dtype.is_integer):
            raise TypeError(
                f"Invalid input dtype for layer '{self.name}': expected a float or integer "
                f"tensor. Received: dtype={dtype.name}"
            )
        if self.fill_value is not None:
            check_fill_value(self.name, "fill_value", self.fill_value, dtype)
        if self.fill_mode == "noise" and dtype.is_integer:
            check_integer_value_range(self.name, self.value_range, dtype, "fill_mode='noise'")

    def apply_noise(self, inputs):
        single = len(inputs.shape) == 3
        images = inputs[None] if single else inputs
        sizes = {}
        if self.area_range is not None:
            sizes["area_range"] = self.area_range
            sizes["aspect_ratio_range"] = self.aspect_ratio_range or (1.0, 1.0)
        else:
            first = 2 if self.data_format == "channels_first" else 1
            sides = [images.shape[first], images.shape[first + 1]]  # static when known
            dynamic = tf.shape(images)
            for axis, side in enumerate(sides):
                sides[axis] = dynamic[first + axis] if side is None else side
            sizes["box_height"], sizes["box_width"] = self._box_pixels(*sides)
        outputs = image_ops.cutout(
            images,
            self.seed_generator.next(),
            **sizes,
            num_boxes=self.num_boxes,
            fill_mode=self.fill_mode,
            fill_value=0.0 if self.fill_value is None else self.fill_value,
            value_range=self.value_range,
            probability=self.read_strength(self.strength, tf.float32),
            data_format=self.data_format,
        )
        return outputs[0] if single else outputs

    def _box_pixels(self, height, width):
        """The box sides in pixels: Python ints when the image size is static, else tensors."""
        if self.size_pixels is not None:
            return self.size_pixels
        if isinstance(height, int) and isinstance(width, int):  # float32 math, as in the graph
            sides = np.float32(self.size_fraction) * np.array([height, width], np.float32)
            return tuple(max(int(v), 1) for v in np.round(sides))
        sides = tf.cast(tf.stack([height, width]), tf.float32)
        pixels = tf.cast(tf.round(tf.constant(self.size_fraction, tf.float32) * sides), tf.int32)
        pixels = tf.maximum(pixels, 1)
        return pixels[0], pixels[1]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size_fraction": self.size_fraction,
            "size_pixels": self.size_pixels,
            "area_range": self.area_range,
            "aspect_ratio_range": self.aspect_ratio_range,
            "num_boxes": self.num_boxes,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "data_format": self.data_format,
        }
