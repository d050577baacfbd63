"""Masking preprocessing layers: Cutout (image holes), FeatureMask (entries), TokenMask (tokens).

Like every preprocessing layer they apply their noise in ``ds.map(layer)`` and in a model during
`fit`, and are the identity at inference (see `keras_noise.layers.base`). Masks work on any numeric
dtype: uint8 images and int token ids stay integer. In all three, `layer.strength` is `rate`, a
probability: per image (Cutout), per entry (FeatureMask) or per token (TokenMask).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_noise._validation import (
    check_choice,
    check_float,
    check_int,
    check_range,
    check_rank,
    invalid_value,
)
from keras_noise.layers._dtypes import (
    KeepsInputDtype,
    check_fill_value,
    check_integer_value_range,
    check_numeric_input,
)
from keras_noise.layers.base import NoiseLayer
from keras_noise.ops import masking

_RATE_BOUNDS = {"low": 0.0, "high": 1.0}


@keras.saving.register_keras_serializable(package="keras_noise")
class Cutout(KeepsInputDtype, NoiseLayer):
    """Fills random rectangular holes of each image (Cutout, and random erasing's options).

    Each image gets `num_holes` holes whose centers are drawn uniformly over the image,
    independently per image; a hole that crosses the border is clipped, as in Cutout. Give the
    hole size in exactly one of three ways:

    * `size`: a fraction of the image sides (the same for every hole);
    * `size_pixels`: pixels (the same for every hole), no larger than the image;
    * `area_range`: random erasing's sizes (Zhong et al.): per hole, an area drawn uniformly in
      `area_range` (a fraction of the image area) and an aspect ratio (height / width)
      log-uniform in `aspect_ratio_range` (default: square holes). The sides are rounded to
      whole pixels (at least 1) and may exceed the image, which clips them.

    The holes are filled with a constant (`fill_mode="constant"`, `fill_value`), the
    per-channel mean of that image (`"mean"`) or fresh noise per pixel and channel (`"noise"`:
    uniform in `value_range`, or standard normal for float images without one; integer images
    need a `value_range` and get integers in it).

    `layer.strength` is `rate`: the probability that an image gets its holes (1.0: every image;
    schedule it to fade Cutout in or out). The hole size is fixed at construction.

    Args:
        size: the hole side as a fraction of the image side, in (0, 1]; a float for the same
            fraction of the height and of the width, or a pair `(height_fraction,
            width_fraction)`. The side in pixels is rounded to the nearest integer (at least 1).
        size_pixels: the hole side in pixels, an int >= 1 or a pair `(height, width)`; a hole
            larger than the image is an error.
        area_range: `(low, high)` with `0 < low <= high <= 1`: each hole's area as a fraction of
            the image area is drawn uniformly in it (Zhong et al. use `(0.02, 0.4)`).
        aspect_ratio_range: `(low, high)` with `0 < low <= high`, the range of each hole's
            height / width, drawn log-uniformly; only with `area_range` (None: 1, square holes;
            Zhong et al. use `(0.3, 3.3)`).
        num_holes: holes per image, >= 1 (they may overlap).
        fill_mode: "constant", "mean" or "noise" (see above).
        fill_value: the value of a constant fill (None: 0.0); for integer images, an integer
            in the dtype's range. Only with `fill_mode="constant"`.
        value_range: `(low, high)`, the range of the pixel values: noise fills are drawn in it
            (required for integer images with `fill_mode="noise"`), and a constant fill
            (`fill_value`, or its default 0.0) must lie in it.
        rate: the probability that an image gets its holes, in [0, 1].
        data_format: "channels_last" (`(..., height, width, channels)`) or "channels_first"
            (`(..., channels, height, width)`); None uses `keras.config.image_data_format()`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.base.NoiseLayer`).

    Call arguments:
        inputs: one image (rank 3) or a batch of images (rank 4), of any numeric dtype; or a
            `tf.data` element `(x, y)`, `(x, y, sample_weight)` or dict (holes go into the
            images only).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The images with their holes filled, same shape, dtype and structure.

    Example:
    >>> import numpy as np, keras_noise as kn
    >>> layer = kn.layers.Cutout(size_pixels=(2, 3), seed=0)
    >>> y = np.asarray(layer(np.ones((1, 6, 8, 3), "float32")))
    >>> 0 < int((y[0, ..., 0] == 0).sum()) <= 6
    True
    >>> bool(np.all(layer(np.ones((1, 6, 8, 3), "float32"), training=False) == 1))
    True
    >>> erasing = kn.layers.Cutout(area_range=(0.02, 0.4), aspect_ratio_range=(0.3, 3.3),
    ...                            fill_mode="noise", value_range=(0, 255), seed=0)
    >>> np.asarray(erasing(np.zeros((2, 32, 24, 3), "uint8"))).dtype.name
    'uint8'

    References:
        DeVries and Taylor, "Improved Regularization of Convolutional Neural Networks with
        Cutout", 2017, arXiv:1708.04552. Zhong et al., "Random Erasing Data Augmentation",
        AAAI 2020, arXiv:1708.04896.
    """

    strength_name = "rate"
    strength_bounds = _RATE_BOUNDS
    is_preprocessing = True

    def __init__(
        self,
        *,
        size: float | Sequence[float] | None = None,
        size_pixels: int | Sequence[int] | None = None,
        area_range: Sequence[float] | None = None,
        aspect_ratio_range: Sequence[float] | None = None,
        num_holes: int = 1,
        fill_mode: str = "constant",
        fill_value: float | None = None,
        value_range: Sequence[float] | None = None,
        rate: float = 1.0,
        data_format: str | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        given = [value is not None for value in (size, size_pixels, area_range)]
        if sum(given) != 1:
            raise invalid_value(
                "size",
                "exactly one of `size` (a fraction of the image side), `size_pixels` (pixels) "
                "and `area_range` (fractions of the image area); received "
                f"size_pixels={size_pixels!r}, area_range={area_range!r}",
                size,
            )
        self.size = None if size is None else _pair("size", size, _fraction)
        self.size_pixels = (
            None if size_pixels is None else _pair("size_pixels", size_pixels, _pixels)
        )
        self.area_range = None if area_range is None else _fraction_range("area_range", area_range)
        if aspect_ratio_range is not None:
            if area_range is None:
                raise invalid_value(
                    "aspect_ratio_range", "None unless `area_range` is given", aspect_ratio_range
                )
            aspect_ratio_range = _positive_range("aspect_ratio_range", aspect_ratio_range)
        self.aspect_ratio_range = aspect_ratio_range
        self.num_holes = check_int("num_holes", num_holes, low=1)
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
        """Raises for a wrong rank, or for pixel holes larger than a (statically known) image."""
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
            side is not None and hole > side
            for hole, side in zip(self.size_pixels, image, strict=True)
        ]
        if any(too_large):
            raise ValueError(
                f"Invalid value for `size_pixels` of layer '{self.name}': expected holes no "
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
        outputs = masking.cutout(
            images,
            self.seed_generator.next(),
            **sizes,
            num_boxes=self.num_holes,
            fill_mode=self.fill_mode,
            fill_value=0.0 if self.fill_value is None else self.fill_value,
            value_range=self.value_range,
            rate=self.read_strength(self.strength, tf.float32),
            data_format=self.data_format,
        )
        return outputs[0] if single else outputs

    def _box_pixels(self, height, width):
        """The hole sides in pixels: Python ints when the image size is static, else tensors."""
        if self.size_pixels is not None:
            return self.size_pixels
        if isinstance(height, int) and isinstance(width, int):  # float32 math, as in the graph
            sides = np.float32(self.size) * np.array([height, width], np.float32)
            return tuple(max(int(v), 1) for v in np.round(sides))
        sides = tf.cast(tf.stack([height, width]), tf.float32)
        pixels = tf.cast(tf.round(tf.constant(self.size, tf.float32) * sides), tf.int32)
        pixels = tf.maximum(pixels, 1)
        return pixels[0], pixels[1]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "size_pixels": self.size_pixels,
            "area_range": self.area_range,
            "aspect_ratio_range": self.aspect_ratio_range,
            "num_holes": self.num_holes,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "value_range": self.value_range,
            "data_format": self.data_format,
        }


@keras.saving.register_keras_serializable(package="keras_noise")
class FeatureMask(KeepsInputDtype, NoiseLayer):
    """Replaces each feature value with probability `rate` (feature masking for tabular data).

    Unlike `keras.layers.Dropout`, kept values are not rescaled, and what replaces a masked
    value is yours to choose:

    * `fill_mode="constant"`: `fill_value`, a float or one value per feature (the last axis),
      e.g. the training means. With standardized features the default 0.0 is the mean, the
      usual stand-in for a missing value.
    * `fill_mode="noise"`: a fresh draw `fill_value + noise_stddev * n` per masked entry, `n`
      standard normal; with per-feature means and standard deviations, a Gaussian fit of each
      feature's distribution. Float inputs only.

    `noise_shape` shares one mask decision along chosen axes, as in `keras.layers.Dropout`: for
    sequences `(batch, time, features)`, `noise_shape=(None, 1, None)` masks a feature for all
    the time steps of an example (the noise values themselves are drawn per entry).

    `layer.strength` is `rate`: the probability that an entry is masked (applied at a
    resolution of 1/65536: two 16-bit decisions per 32-bit random draw, for speed).

    Args:
        rate: the probability that an entry is masked, in [0, 1].
        fill_mode: "constant" or "noise" (see above).
        fill_value: a float or a sequence of floats, one per feature (the size of the inputs'
            last axis, checked at build); the constant fill, or the mean of the noise fill. For
            integer inputs, integers in the dtype's range.
        noise_stddev: a float >= 0 or one per feature, the standard deviation of the noise
            fill (None: 1.0). Only with `fill_mode="noise"`.
        noise_shape: None (one decision per entry) or a sequence with one entry per input axis:
            None takes the input's size on that axis, 1 shares the decision along it (another
            int must equal the input's size).
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.base.NoiseLayer`).

    Call arguments:
        inputs: a numeric tensor of rank >= 1, e.g. `(batch, features)`, or a `tf.data`
            element (the features are masked, labels pass through).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The masked inputs, same shape, dtype and structure.

    Example:
    >>> import numpy as np, keras_noise as kn
    >>> layer = kn.layers.FeatureMask(rate=0.25, seed=0)
    >>> y = np.asarray(layer(np.ones((200, 50), "float32")))
    >>> abs(float((y == 0).mean()) - 0.25) < 0.02
    True
    >>> means = kn.layers.FeatureMask(rate=1.0, fill_value=[10.0, 20.0, 30.0], seed=0)
    >>> np.asarray(means(np.ones((2, 3), "float32"))).tolist()
    [[10.0, 20.0, 30.0], [10.0, 20.0, 30.0]]

    References:
        Vincent et al., "Extracting and Composing Robust Features with Denoising Autoencoders",
        ICML 2008 (masking noise); Yoon et al., "VIME: Extending the Success of Self- and
        Semi-supervised Learning to Tabular Domain", NeurIPS 2020.
    """

    strength_name = "rate"
    strength_bounds = _RATE_BOUNDS
    is_preprocessing = True

    def __init__(
        self,
        rate: float,
        *,
        fill_mode: str = "constant",
        fill_value: float | Sequence[float] = 0.0,
        noise_stddev: float | Sequence[float] | None = None,
        noise_shape: Sequence[int | None] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.fill_mode = check_choice("fill_mode", fill_mode, ("constant", "noise"))
        self.fill_value = _float_or_vector("fill_value", fill_value)
        if noise_stddev is not None:
            if fill_mode != "noise":
                raise invalid_value(
                    "noise_stddev", f"None with fill_mode={fill_mode!r}", noise_stddev
                )
            noise_stddev = _float_or_vector("noise_stddev", noise_stddev, low=0.0)
        self.noise_stddev = noise_stddev
        self.noise_shape = None if noise_shape is None else _noise_shape(noise_shape)

    def build(self, input_shape):
        self._check_shape(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None):
        self._check_shape(inputs.shape)
        dtype = tf.as_dtype(inputs.dtype)
        check_numeric_input(self.name, inputs)
        if self.fill_mode == "noise" and not dtype.is_floating:
            raise TypeError(
                f"Invalid input dtype for layer '{self.name}': fill_mode='noise' expects a "
                f"float tensor. Received: dtype={dtype.name}"
            )
        for value in _as_tuple(self.fill_value):
            check_fill_value(self.name, "fill_value", value, dtype)
        return super().call(inputs, training=training)

    def _check_shape(self, shape):
        """Raises for rank 0, per-feature vectors of the wrong length, or a bad `noise_shape`."""
        shape = tuple(shape)
        if len(shape) < 1:
            raise ValueError(
                f"Invalid input shape for layer '{self.name}': expected rank >= 1, e.g. "
                f"(batch, features). Received: shape={shape}"
            )
        for name in ("fill_value", "noise_stddev"):
            value = getattr(self, name)
            if isinstance(value, tuple) and shape[-1] is not None and len(value) != shape[-1]:
                raise ValueError(
                    f"Invalid value for `{name}` of layer '{self.name}': expected a float or "
                    f"{shape[-1]} values, one per feature on the last axis of inputs of "
                    f"shape={shape}. Received: {name} of length {len(value)}"
                )
        if self.noise_shape is None:
            return
        matches = len(self.noise_shape) == len(shape) and all(
            entry is None or entry == 1 or size is None or entry == size
            for entry, size in zip(self.noise_shape, shape, strict=True)
        )
        if not matches:
            raise ValueError(
                f"Invalid value for `noise_shape` of layer '{self.name}': expected one entry "
                f"per axis of inputs of shape={shape}, each None, 1 or the axis size. "
                f"Received: noise_shape={self.noise_shape!r}"
            )

    def apply_noise(self, inputs):
        noise_shape = None
        if self.noise_shape is not None:
            sizes = tf.shape(inputs)
            noise_shape = tf.stack(
                [
                    sizes[axis] if entry is None else entry
                    for axis, entry in enumerate(self.noise_shape)
                ]
            )
        noise_stddev = None
        if self.fill_mode == "noise":
            noise_stddev = 1.0 if self.noise_stddev is None else self.noise_stddev
        return masking.feature_mask(
            inputs,
            self.read_strength(self.strength, tf.float32),
            self.seed_generator.next(),
            fill_value=self.fill_value,
            noise_stddev=noise_stddev,
            noise_shape=noise_shape,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "noise_stddev": self.noise_stddev,
            "noise_shape": self.noise_shape,
        }


@keras.saving.register_keras_serializable(package="keras_noise")
class TokenMask(NoiseLayer):
    """Masks random tokens of integer token-id sequences, BERT-style (masked-language-model noise).

    Each token is selected with probability `rate` (tokens in `protected_token_ids`, such as
    padding and special tokens, never are, and are never changed). A selected token becomes
    `mask_token_id` with probability `mask_token_rate`, a random id drawn uniformly from
    `[0, vocabulary_size)` with probability `random_token_rate`, and is left as it is otherwise:
    BERT's 80% / 10% / 10% by default.

    `layer.strength` is `rate`: the probability that a token is selected.

    Args:
        rate: the probability that a (non-protected) token is selected, in [0, 1].
        vocabulary_size: the number of token ids, an int >= 1 (random replacements are drawn
            in `[0, vocabulary_size)`).
        mask_token_id: the id written into masked positions, in `[0, vocabulary_size)`.
        mask_token_rate: the probability that a selected token is replaced by `mask_token_id`.
        random_token_rate: the probability that a selected token is replaced by a random id;
            `mask_token_rate + random_token_rate <= 1`, the rest of the selected tokens is kept.
        protected_token_ids: ids in `[0, vocabulary_size)` that are never selected (padding,
            `[CLS]`, `[SEP]`, ...); the default protects 0, Keras' padding id. Pass `()` to
            make every id selectable.
        return_mask: if True, the layer returns `(token_ids, selected)`, where `selected` is a
            boolean tensor marking the selected positions (all False at inference), e.g. to
            weight a masked-LM loss.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.base.NoiseLayer`).

    Call arguments:
        inputs: an integer tensor of token ids of any shape, e.g. `(batch, sequence)`, whose
            dtype can hold `vocabulary_size - 1`; or a `tf.data` element (the token ids are
            masked, labels pass through).
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The token ids with masked tokens, same shape and integer dtype (and structure); with
        `return_mask=True`, the pair `(token_ids, selected)` in place of the token ids.

    Example:
    >>> import numpy as np, keras_noise as kn
    >>> layer = kn.layers.TokenMask(rate=0.5, vocabulary_size=100, mask_token_id=1, seed=0)
    >>> ids = np.array([[7, 8, 9, 10, 11, 12, 0, 0]], "int32")
    >>> out = np.asarray(layer(ids))
    >>> out.dtype.name, bool(np.all(out[0, 6:] == 0)), bool(np.all((out >= 0) & (out < 100)))
    ('int32', True, True)

    References:
        Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
        Understanding", NAACL 2019.
    """

    strength_name = "rate"
    strength_bounds = _RATE_BOUNDS
    is_preprocessing = True

    def __init__(
        self,
        rate: float = 0.15,
        *,
        vocabulary_size: int,
        mask_token_id: int,
        mask_token_rate: float = 0.8,
        random_token_rate: float = 0.1,
        protected_token_ids: Sequence[int] = (0,),
        return_mask: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, **kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, low=1)
        in_vocabulary = {"low": 0, "high": self.vocabulary_size - 1}
        self.mask_token_id = check_int("mask_token_id", mask_token_id, **in_vocabulary)
        self.mask_token_rate = check_float("mask_token_rate", mask_token_rate, low=0.0, high=1.0)
        self.random_token_rate = check_float(
            "random_token_rate", random_token_rate, low=0.0, high=1.0 - self.mask_token_rate
        )
        if isinstance(protected_token_ids, (str, bytes)) or not isinstance(
            protected_token_ids, Sequence
        ):
            raise invalid_value(
                "protected_token_ids",
                f"a sequence of integers in [0, {self.vocabulary_size - 1}]",
                protected_token_ids,
            )
        self.protected_token_ids = tuple(
            check_int("protected_token_ids", token, **in_vocabulary)
            for token in protected_token_ids
        )
        if not isinstance(return_mask, bool):
            raise invalid_value("return_mask", "True or False", return_mask)
        self.return_mask = return_mask

    def call(self, inputs, training=None):
        dtype = tf.as_dtype(inputs.dtype)
        if not dtype.is_integer:
            raise TypeError(
                f"Invalid input dtype for layer '{self.name}': expected an integer tensor of "
                f"token ids. Received: dtype={dtype.name}"
            )
        if self.vocabulary_size - 1 > dtype.max:
            raise ValueError(
                f"Invalid value for `vocabulary_size` of layer '{self.name}': expected at most "
                f"{dtype.max + 1} for {dtype.name} token ids, so that every id fits. "
                f"Received: vocabulary_size={self.vocabulary_size}"
            )
        if self.noise_is_active(training):
            return self.apply_noise(inputs)
        if self.return_mask:
            return inputs, tf.zeros_like(inputs, dtype=tf.bool)
        return inputs

    def apply_noise(self, inputs):
        token_ids, selected = masking.token_mask(
            inputs,
            self.read_strength(self.strength, tf.float32),
            self.seed_generator.next(),
            mask_token_id=self.mask_token_id,
            vocabulary_size=self.vocabulary_size,
            mask_token_rate=self.mask_token_rate,
            random_token_rate=self.random_token_rate,
            protected_token_ids=self.protected_token_ids,
        )
        return (token_ids, selected) if self.return_mask else token_ids

    def compute_output_shape(self, input_shape):
        return (input_shape, input_shape) if self.return_mask else input_shape

    def compute_output_spec(self, inputs, *args, **kwargs):
        token_ids = keras.KerasTensor(inputs.shape, dtype=inputs.dtype)
        if self.return_mask:
            return token_ids, keras.KerasTensor(inputs.shape, dtype="bool")
        return token_ids

    def compute_mask(self, inputs, mask=None):
        return (mask, mask) if self.return_mask else mask

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "mask_token_id": self.mask_token_id,
            "mask_token_rate": self.mask_token_rate,
            "random_token_rate": self.random_token_rate,
            "protected_token_ids": self.protected_token_ids,
            "return_mask": self.return_mask,
        }


def _fraction(name: str, value) -> float:
    return check_float(name, value, low=0.0, high=1.0, low_inclusive=False)


def _pixels(name: str, value) -> int:
    return check_int(name, value, low=1)


def _pair(name: str, value, check) -> tuple:
    """A scalar or a `(height, width)` pair, checked item by item, as a pair."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != 2:
            raise invalid_value(name, "a number or a pair (height, width)", value)
        return check(name, value[0]), check(name, value[1])
    item = check(name, value)
    return item, item


def _fraction_range(name: str, value) -> tuple[float, float]:
    """A `(low, high)` pair of fractions with `0 < low <= high <= 1`."""
    expected = "a pair (low, high) of fractions in (0, 1] with low <= high"
    try:
        low, high = check_range(name, value, low=0.0, high=1.0)
    except ValueError:
        raise invalid_value(name, expected, value) from None
    if low <= 0.0:
        raise invalid_value(name, expected, value)
    return low, high


def _positive_range(name: str, value) -> tuple[float, float]:
    """A `(low, high)` pair of floats with `0 < low <= high`."""
    expected = "a pair (low, high) of floats with 0 < low <= high"
    try:
        low, high = check_range(name, value)
    except ValueError:
        raise invalid_value(name, expected, value) from None
    if low <= 0.0:
        raise invalid_value(name, expected, value)
    return low, high


def _float_or_vector(name: str, value, **bounds) -> float | tuple[float, ...]:
    """A float, or a non-empty sequence of floats (one per feature) as a tuple."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return check_float(name, value, **bounds)
    if not value:
        raise invalid_value(name, "a float or a non-empty sequence of floats", value)
    return tuple(check_float(name, item, **bounds) for item in value)


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _noise_shape(value) -> tuple[int | None, ...]:
    expected = "None or a sequence of None or integers >= 1, one per input axis"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise invalid_value("noise_shape", expected, value)
    for entry in value:
        if entry is not None and (
            isinstance(entry, bool) or not isinstance(entry, numbers.Integral) or entry < 1
        ):
            raise invalid_value("noise_shape", expected, value)
    return tuple(None if entry is None else int(entry) for entry in value)
