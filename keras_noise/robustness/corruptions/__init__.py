"""Image corruptions: the ImageNet-C / CIFAR-10-C suite as batched ops, and the package's own.

`CORRUPTIONS` maps every name to a `Corruption`; `corrupt(images, name, severity, seed=...)`
applies one. Two kinds of severity, never mixed under one name:

* **The suite** (Hendrycks and Dietterich, "Benchmarking Neural Network Robustness to Common
  Corruptions and Perturbations", ICLR 2019): ``gaussian_noise``, ``shot_noise``,
  ``impulse_noise``, ``speckle_noise``, ``defocus_blur``, ``gaussian_blur``, ``motion_blur``,
  ``zoom_blur``, ``glass_blur``, ``brightness``, ``contrast``, ``saturate``, ``fog``, ``snow``,
  ``spatter``, ``elastic_transform``, ``pixelate``, ``jpeg_compression``. The severity is an
  integer level 1-5 with the parameters of the paper's CIFAR-10-C table (each module lists
  them); lengths in pixels are multiplied by ``min(height, width) / 32``, so a blur covers the
  same fraction of a 224x224 or an 8x8 image as of a 32x32 one. Images are floats in [0, 1]
  with 1 or 3 channels (``saturate``: 3) and a static height and width; results are clipped to
  [0, 1]. ``frost`` is left out: it blends in the paper's frost photographs, which this
  package does not ship. The implementations are this package's own (batched ops, not per-image
  loops); where the paper's procedure is sequential or needs OpenCV/ImageMagick (glass blur's
  pixel swaps, spatter's shading, the fog fractal, motion blur) the module documents the
  batched equivalent used.
* **The package's corruptions**, whose severity is a strength: ``jitter`` (Gaussian sigma in
  input units, clipped; called ``gaussian_noise`` before the suite took that name),
  ``salt_and_pepper`` (rate), ``occlusion`` (hole area as a fraction of the image) and
  ``feature_mask`` (rate). They also apply to non-image data (except ``occlusion``).

Examples:
    >>> import numpy as np, keras_noise as kn
    >>> images = np.full((2, 32, 32, 3), 0.5, "float32")
    >>> foggy = kn.robustness.corrupt(images, "fog", 3, seed=0)
    >>> foggy.shape, foggy.dtype.name
    (TensorShape([2, 32, 32, 3]), 'float32')
    >>> bool(np.all(kn.robustness.corrupt(images, "fog", 3, seed=0) == foggy))
    True
    >>> corruptions = kn.robustness.CORRUPTIONS
    >>> corruptions["fog"].severity_name, corruptions["jitter"].severity_name
    ('level', 'sigma')
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import tensorflow as tf

from keras_noise._validation import (
    check_float,
    check_int,
    check_known_names,
    invalid_type,
    invalid_value,
)
from keras_noise.robustness.corruptions import blur, digital, jpeg, noise, package, weather

__all__ = ["CORRUPTIONS", "SUITE", "Corruption", "corrupt"]

LEVELS = (1, 2, 3, 4, 5)


@dataclasses.dataclass(frozen=True)
class Corruption:
    """One corruption: its function and what its severity means.

    Attributes:
        name: the key in `CORRUPTIONS`, in `evaluate(corruptions=...)` and in results.
        family: "noise", "blur", "weather" or "digital" for the suite; "package" otherwise.
        severity_name: "level" (an integer 1-5) for the suite, else what the strength measures
            ("sigma", "rate", "area"); the plot's x label.
        description: what the corruption does, in one sentence.
        default_severities: the severities evaluated when only the name is given.
        images_only: whether the input must be images `(height, width, channels)`, batched or
            not.
        channels: the numbers of channels accepted, or None for any.
        function: ``function(x, severity, seed, value_range) -> x`` on float32 tensors.
    """

    name: str
    family: str
    severity_name: str
    description: str
    default_severities: tuple[float, ...]
    images_only: bool
    channels: tuple[int, ...] | None
    function: Callable[..., tf.Tensor]
    severity_bounds: dict | None = None

    @property
    def in_suite(self) -> bool:
        """Whether the corruption is one of the ImageNet-C / CIFAR-10-C suite (levels 1-5)."""
        return self.family != "package"

    def check_severity(self, severity: Any, name: str = "severity") -> Any:
        """Validates one severity: an integer 1-5 for the suite, else a float in bounds."""
        if self.in_suite:
            return check_int(name, severity, low=1, high=5)
        return check_float(name, severity, **(self.severity_bounds or {}))

    def check_severities(self, severities: Any) -> tuple:
        """Validates a sequence of severities; errors name the corruption."""
        if isinstance(severities, (str, bytes)) or not isinstance(severities, Sequence):
            raise invalid_value(
                f"corruptions['{self.name}']", "a sequence of severities", severities
            )
        name = f"corruptions['{self.name}'] ({self.severity_name})"
        return tuple(self.check_severity(value, name) for value in severities)

    def check_input(self, x: tf.Tensor, name: str = "images") -> None:
        """Raises a clear error unless `x` has a layout this corruption accepts."""
        shape = x.shape
        if not x.dtype.is_floating:
            raise TypeError(
                f"Invalid dtype for `{name}`: corruption '{self.name}' expects float values "
                f"(images in [0, 1]; cast integer images, e.g. x / 255). Received: "
                f"dtype={x.dtype.name}"
            )
        if not self.images_only and not self.in_suite:
            return
        if shape.rank not in (3, 4):
            raise ValueError(
                f"Invalid shape for `{name}`: corruption '{self.name}' expects images "
                f"(batch, height, width, channels) or (height, width, channels). "
                f"Received: shape={tuple(shape)}"
            )
        if shape[-3] is None or shape[-2] is None or shape[-1] is None:
            raise ValueError(
                f"Invalid shape for `{name}`: corruption '{self.name}' needs a static height, "
                f"width and channel count (e.g. `tf.ensure_shape` in a `tf.data` map). "
                f"Received: shape={tuple(shape)}"
            )
        if self.channels is not None and shape[-1] not in self.channels:
            expected = " or ".join(str(c) for c in self.channels)
            raise ValueError(
                f"Invalid shape for `{name}`: corruption '{self.name}' expects {expected} "
                f"channel(s). Received: shape={tuple(shape)}"
            )

    def apply(self, x, severity, seed: tf.Tensor, value_range=(0.0, 1.0)) -> tf.Tensor:
        """Corrupts a validated float tensor; returns it in its dtype.

        Suite corruptions map `value_range` to [0, 1], corrupt, clip and map back; the package's
        corruptions use `value_range` directly.
        """
        dtype = x.dtype
        single = (self.images_only or self.in_suite) and x.shape.rank == 3
        x = tf.cast(x[None] if single else x, tf.float32)
        if self.in_suite:
            if value_range is None:
                raise invalid_value(
                    "value_range",
                    f"a (low, high) pair: suite corruption '{self.name}' needs the input range",
                    None,
                )
            low, high = value_range
            unit = (x - low) / (high - low)
            out = tf.clip_by_value(self.function(unit, severity, seed), 0.0, 1.0)
            out = out * (high - low) + low
        else:
            out = self.function(x, severity, seed, value_range)
        out = tf.cast(out, dtype)
        return out[0] if single else out


def _suite(name, family, module, description, channels=(1, 3)) -> Corruption:
    function = getattr(module, name)
    return Corruption(name, family, "level", description, LEVELS, True, channels, function)


_RATE = {"low": 0.0, "high": 1.0}

CORRUPTIONS: Mapping[str, Corruption] = {
    corruption.name: corruption
    for corruption in (
        _suite("gaussian_noise", "noise", noise, "additive Gaussian noise"),
        _suite("shot_noise", "noise", noise, "Poisson (photon) noise"),
        _suite("impulse_noise", "noise", noise, "salt-and-pepper noise on single values"),
        _suite("speckle_noise", "noise", noise, "multiplicative Gaussian noise"),
        _suite("defocus_blur", "blur", blur, "convolution with an anti-aliased disk"),
        _suite("gaussian_blur", "blur", blur, "Gaussian blur"),
        _suite("motion_blur", "blur", blur, "one-sided blur along a random direction"),
        _suite("zoom_blur", "blur", blur, "mean of zooms about the center"),
        _suite("glass_blur", "blur", blur, "blur, local pixel shuffle, blur"),
        _suite("brightness", "weather", weather, "brighter HSV value"),
        _suite("contrast", "digital", digital, "contrast reduced around the mean"),
        _suite("saturate", "digital", digital, "HSV saturation scaled", channels=(3,)),
        _suite("fog", "weather", weather, "a fractal veil"),
        _suite("snow", "weather", weather, "motion-blurred flakes on a paler image"),
        _suite("spatter", "weather", weather, "water drops or mud"),
        _suite("elastic_transform", "digital", digital, "affine map plus smooth displacement"),
        _suite("pixelate", "digital", digital, "box downsampling then nearest upsampling"),
        _suite("jpeg_compression", "digital", jpeg, "JPEG's lossy 8x8 DCT quantization"),
        Corruption(
            "jitter",
            "package",
            "sigma",
            "additive Gaussian noise of standard deviation sigma (input units), clipped",
            (0.1, 0.2, 0.3),
            False,
            None,
            package.jitter,
            {"low": 0.0},
        ),
        Corruption(
            "salt_and_pepper",
            "package",
            "rate",
            "fraction of values set to the low or high end of the value range",
            (0.05, 0.1, 0.2),
            False,
            None,
            package.salt_and_pepper,
            _RATE,
        ),
        Corruption(
            "occlusion",
            "package",
            "area",
            "one square hole of this fraction of the image area (clipped at the border)",
            (0.1, 0.25, 0.5),
            True,
            None,
            package.occlusion,
            _RATE,
        ),
        Corruption(
            "feature_mask",
            "package",
            "rate",
            "fraction of values replaced by 0, independently",
            (0.1, 0.25, 0.5),
            False,
            None,
            package.feature_mask,
            _RATE,
        ),
    )
}

#: The names of the ImageNet-C / CIFAR-10-C suite, in the paper's order (frost left out).
SUITE: tuple[str, ...] = tuple(name for name, c in CORRUPTIONS.items() if c.in_suite)


def seed_tensor(seed: Any) -> tf.Tensor:
    """A Philox seed `(2,)` from None (fresh draws), an int >= 0 or a seed tensor of shape (2,)."""
    from keras_noise.adversarial.attacks import seed_tensor as attack_seed

    if isinstance(seed, tf.Tensor) and seed.dtype not in (tf.int32, tf.int64):
        raise invalid_value(
            "seed", "None, an integer >= 0 or an integer tensor of shape (2,)", seed
        )
    if isinstance(seed, tf.Tensor):
        return tf.cast(tf.ensure_shape(seed, (2,)), tf.int64)
    return attack_seed(seed)


def corrupt(images: Any, corruption: str, severity: Any, *, seed: Any = None) -> tf.Tensor:
    """Corrupts a batch of images (or one image) with a corruption of `CORRUPTIONS`.

    Batched TensorFlow ops only, so it runs eagerly, in a `tf.function` and in a `tf.data`
    map (e.g. ``ds.batch(256).map(lambda x, y: (corrupt(x, "fog", 3, seed=0), y))`` to make a
    CIFAR-10-C-style test set on the fly). Every image of a batch gets its own random draws.

    Args:
        images: float images in [0, 1]: `(batch, height, width, channels)` or one image
            `(height, width, channels)`, 1 or 3 channels (``saturate``: 3), static height and
            width. The package's corruptions other than ``occlusion`` accept any float tensor.
        corruption: a name in `CORRUPTIONS`.
        severity: an integer level 1-5 for the suite; the strength (a float) for the package's
            corruptions (``jitter``: sigma >= 0; the others: a fraction in [0, 1]).
        seed: an int >= 0 (the same int gives the same result), an integer seed tensor of
            shape `(2,)` (e.g. ``tf.stack([seed, batch_index])`` in a map, for different noise
            per batch), or None (fresh draws each call).

    Returns:
        The corrupted images: same shape and dtype, clipped to [0, 1] for the suite.

    Raises:
        ValueError: for an unknown name (the message lists the known ones), a severity outside
            1-5 (suite) or its bounds, a non-image shape, a dynamic height/width or a channel
            count the corruption does not accept.
        TypeError: for integer images.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> x = np.random.default_rng(0).uniform(size=(4, 24, 40, 1)).astype("float32")
        >>> blurred = kn.robustness.corrupt(x, "gaussian_blur", 5)
        >>> float(np.std(blurred)) < float(np.std(x))
        True
        >>> kn.robustness.corrupt(x, "fog", 6)
        Traceback (most recent call last):
        ...
        ValueError: Invalid value for `severity`: expected an integer in [1, 5]. ...severity=6
    """
    entry = get(corruption)
    severity = entry.check_severity(severity)
    if isinstance(images, (dict, list, tuple)):
        raise invalid_type("images", "a float tensor or array of images", images)
    images = tf.convert_to_tensor(images)
    entry.check_input(images)
    return entry.apply(images, severity, seed_tensor(seed))


def get(name: Any) -> Corruption:
    """The `Corruption` called `name`; unknown names get an error listing the known ones."""
    if not isinstance(name, str):
        raise invalid_value("corruption", "the name of a corruption (a str)", name)
    check_known_names("corruption", [name], CORRUPTIONS, "corruptions")
    return CORRUPTIONS[name]


def resolve_corruptions(
    corruptions: Any, *, input_shape: tuple | None
) -> dict[str, tuple[Corruption, tuple]]:
    """Turns `evaluate`'s `corruptions` argument into ``{name: (corruption, severities)}``.

    Args:
        corruptions: None (every corruption that applies to the data, at its default
            severities: the suite for images of 1 or 3 channels, `saturate` only for 3,
            occlusion for images, jitter, salt and pepper and feature mask for any data), a
            sequence of names (default severities), or a mapping of names to severities.
        input_shape: the shape of an input batch, or None if unknown.

    Raises:
        ValueError: for unknown names (the message lists the known ones) or bad severities.
    """
    if corruptions is None:
        return {
            name: (corruption, corruption.default_severities)
            for name, corruption in CORRUPTIONS.items()
            if _applies(corruption, input_shape)
        }
    if isinstance(corruptions, str):
        corruptions = [corruptions]
    if not isinstance(corruptions, (Mapping, Sequence)):
        raise invalid_value(
            "corruptions",
            "None, a sequence of names or a mapping of names to severities",
            corruptions,
        )
    check_known_names("corruptions", corruptions, CORRUPTIONS, "corruptions")
    resolved = {}
    for name in corruptions:
        corruption = CORRUPTIONS[name]
        if isinstance(corruptions, Mapping):
            severities = corruption.check_severities(corruptions[name])
        else:
            severities = corruption.default_severities
        resolved[name] = (corruption, severities)
    return resolved


def _applies(corruption: Corruption, input_shape) -> bool:
    if not (corruption.images_only or corruption.in_suite):
        return True
    if input_shape is None or len(input_shape) != 4:
        return False
    return corruption.channels is None or input_shape[-1] in corruption.channels
