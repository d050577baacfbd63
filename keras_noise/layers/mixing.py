"""Batch-mixing preprocessing layers: MixUp and CutMix, mapped over batched `tf.data` elements.

Both take `(x, y)`, `(x, y, sample_weight)` or a dict (``{"images": x, "labels": y}``) and return
the same structure (see `keras_noise.layers._batch`), with labels as float probabilities that sum
to 1. Each example is mixed with a partner from the same batch: the batch is put in a random order
and each example is paired with the next one (`keras_noise.ops.mixing.partner_indices`), so no
example is paired with itself and every example is used as a partner exactly once.

Sample weights are mixed with the same weights as the inputs, and labels use the weight-adjusted
share of `keras_noise.ops.labels.mix_labels`: the weighted loss of a mixed example equals the
weighted losses of the two examples it mixes, in their proportions. Equal weights give plain MixUp.

The mixing weights are drawn in float32 (`keras_noise.ops.beta.symmetric_beta`, which compiles
under XLA, unlike `keras.random.beta`) and cast once to the images' dtype, so `mixed_float16` and
`mixed_bfloat16` pipelines work. A seed gives the same mixing in eager calls, graphs and `tf.data`
maps; inside an XLA-compiled function, TensorFlow's random ops give another stream.
"""

from __future__ import annotations

from collections.abc import Mapping

import keras
import tensorflow as tf

from keras_noise._deprecation import deprecated_alias
from keras_noise._validation import check_choice, check_float, check_rank
from keras_noise.layers._batch import BatchNoiseLayer
from keras_noise.ops import mixing as mixing_ops


class _MixingLayer(BatchNoiseLayer):
    """MixUp and CutMix: `alpha` (the Beta concentration) is the strength, and `mode` is checked."""

    strength_name = "alpha"
    strength_bounds = {"low": 0.0, "low_inclusive": False}

    def __init__(self, alpha, *, mode, num_classes, key_map, seed, **kwargs):
        super().__init__(alpha, num_classes=num_classes, key_map=key_map, seed=seed, **kwargs)
        self.mode = check_choice("mode", mode, ("example", "batch"))

    def _mix(self, op, features, labels, probabilities, sample_weight, **options):
        """`op` (`mixing_ops.mixup` or `.cutmix`) on the batch, with labels back in their dtype."""
        mixed, probabilities, sample_weight = op(
            features,
            probabilities,
            self.seed_generator.next(),
            self.read_strength(self.strength, tf.float32),
            sample_weight=self.float_weights(sample_weight),
            mode=self.mode,
            **options,
        )
        return mixed, self.restore_label_dtype(probabilities, labels), sample_weight

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="keras_noise")
class MixUp(_MixingLayer):
    """MixUp: trains on convex combinations of pairs of examples and of their labels.

    Each example `x_i` becomes `lam * x_i + (1 - lam) * x_j` with its partner `x_j` and its labels
    `lam * y_i + (1 - lam) * y_j`, where `lam ~ Beta(alpha, alpha)` is folded to
    `max(lam, 1 - lam)`: an example keeps the larger share of itself (as fastai does). Folding does
    not change what a mixed example looks like, since the pair is drawn at random and
    Beta(alpha, alpha) is symmetric, and it makes `alpha -> 0` the identity.

    `layer.strength` is `alpha`; `set_strength` (used by schedules) also accepts 0, no mixing.
    Integer inputs (uint8 images) are mixed in float32, rounded and returned in their dtype.

    MixUp is a data-pipeline layer. Manifold Mixup (Verma et al. 2019), mixing hidden activations
    inside a model, is not offered: the labels must be mixed with the same weights and partners,
    and a Keras layer inside a model never sees the labels; doing it cleanly needs a custom
    `train_step`, not a layer.

    Args:
        alpha: the concentration of the Beta(alpha, alpha) mixing weights, > 0; small values
            (0.1 to 0.4) mix lightly, 1.0 mixes uniformly.
        mode: "example" draws one mixing weight per example; "batch" one for the whole batch
            (timm's "batch" mode).
        num_classes: the number of classes; required when the labels are integer class ids.
        key_map: for dict elements, a dict from "features", "labels" and/or "sample_weight" to
            their keys, e.g. `{"features": "image", "labels": "label"}`; by default the keys of
            Keras and KerasCV ("images", "labels", "sample_weight") and a few usual others.
        seed: an int >= 0 for reproducible mixing, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a batch `(x, y)`, `(x, y, sample_weight)` or a dict. `x` has the batch first
            (any rank >= 1); `y` holds class ids of shape `(batch,)` or `(batch, 1)`, or float
            one-hot or soft labels of shape `(batch, classes)`; sample weights have shape
            `(batch,)` or `(batch, 1)`. The labels have the batch size of the inputs.
        training: see the training rule in `keras_noise.layers.base`; outside training the
            element is returned unchanged.

    Returns:
        The same structure with mixed inputs (same dtype), labels as float probabilities (float
        labels keep their dtype, class ids become float32) and mixed sample weights.

    Raises:
        ValueError: for a single tensor or a dict without labels, class ids without
            `num_classes` or outside `[0, num_classes)`, labels or sample weights whose batch
            size differs from the inputs', or an unbatched element.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> x, y = np.random.rand(8, 6, 4, 3).astype("float32"), np.arange(8) % 3
        >>> images, labels = kn.layers.MixUp(alpha=0.4, num_classes=3, seed=0)(x, y)
        >>> labels.shape, bool(np.allclose(labels.numpy().sum(axis=-1), 1.0))
        (TensorShape([8, 3]), True)

        In a pipeline: ``ds.batch(64).map(kn.layers.MixUp(alpha=0.2, num_classes=10))``.

    References:
        Zhang, Cisse, Dauphin and Lopez-Paz, "mixup: Beyond Empirical Risk Minimization", ICLR
        2018, arXiv:1710.09412.
    """

    def __init__(
        self,
        alpha: float = 0.2,
        *,
        mode: str = "example",
        num_classes: int | None = None,
        key_map: Mapping[str, str] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(
            alpha, mode=mode, num_classes=num_classes, key_map=key_map, seed=seed, **kwargs
        )

    def set_strength(self, value: float) -> None:
        """Validates and assigns `alpha`, accepting 0 (no mixing) unlike the constructor.

        Alpha 0 is the limit alpha -> 0, where MixUp returns its inputs: a schedule can warm
        MixUp up from 0.

        Examples:
            >>> import keras_noise as kn
            >>> layer = kn.layers.MixUp(alpha=0.2)
            >>> layer.set_strength(0.0)
            >>> float(layer.strength.numpy())
            0.0
        """
        self.strength.assign(check_float(f"{self.name}.alpha", value, low=0.0))

    def apply_batch(self, features, labels, sample_weight):
        probabilities = self.class_probabilities(labels, batched=True)
        features = self.check_batch_sizes(features, labels, sample_weight)
        return self._mix(mixing_ops.mixup, features, labels, probabilities, sample_weight)


@keras.saving.register_keras_serializable(package="keras_noise")
class CutMix(_MixingLayer):
    """CutMix: pastes a box of a partner image into each image and mixes labels by area.

    For each image, `lam ~ Beta(alpha, alpha)` sets a box of `sqrt(1 - lam)` times the image's
    height and width (rounded to whole pixels), centred on a uniformly drawn pixel and clipped to
    the image; the partner's pixels in the box replace the image's. The labels are mixed by the
    area actually pasted after clipping, counted in pixels: `(1 - a) * y_i + a * y_j` for a box
    covering the fraction `a` of the image (not the drawn `1 - lam`, which overstates boxes cut
    by the border).

    `layer.strength` is `alpha`. Pixels are copied, never computed: integer images stay exact.

    Args:
        alpha: the concentration of the Beta(alpha, alpha) box weights, > 0; 1.0 (the paper's
            choice) makes the box area fraction uniform before clipping.
        mode: "example" draws one box per image; "batch" one box for the whole batch (timm).
        num_classes: the number of classes; required when the labels are integer class ids.
        data_format: "channels_last" (`(batch, height, width, channels)`) or "channels_first";
            None uses `keras.config.image_data_format()`.
        key_map: for dict elements, a dict from "features", "labels" and/or "sample_weight" to
            their keys; by default "images", "labels", "sample_weight" and a few usual others.
        seed: an int >= 0 for reproducible boxes, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: a batch `(images, y)`, `(images, y, sample_weight)` or a dict; images of rank 4,
            of any dtype; labels as for `MixUp`.
        training: see the training rule in `keras_noise.layers.base`; outside training the
            element is returned unchanged.

    Returns:
        The same structure with the boxes pasted (same dtype), labels as float probabilities and
        mixed sample weights.

    Raises:
        ValueError: as `MixUp`, and for images that are not of rank 4 (a single image: batch
            first).

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> images = np.stack([np.full((6, 10, 1), i, "uint8") for i in range(4)])
        >>> out, mixed = kn.layers.CutMix(seed=1)(images, np.eye(4, dtype="float32"))
        >>> kept = (out.numpy() == images).mean(axis=(1, 2, 3))  # the share of each image kept
        >>> bool(np.allclose(mixed.numpy()[range(4), range(4)], kept))
        True

    References:
        Yun, Han, Oh, Chun, Choe and Yoo, "CutMix: Regularization Strategy to Train Strong
        Classifiers with Localizable Features", ICCV 2019, arXiv:1905.04899.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        mode: str = "example",
        num_classes: int | None = None,
        data_format: str | None = None,
        key_map: Mapping[str, str] | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(
            alpha, mode=mode, num_classes=num_classes, key_map=key_map, seed=seed, **kwargs
        )
        if data_format is None:
            data_format = keras.config.image_data_format()
        self.data_format = check_choice(
            "data_format", data_format, ("channels_last", "channels_first")
        )

    def apply_batch(self, features, labels, sample_weight):
        check_rank(
            self.name,
            features.shape,
            (4,),
            "a batch of images (batch, height, width, channels) or channels first; a single "
            "image has rank 3: batch the dataset first, e.g. ds.batch(32).map(layer)",
        )
        probabilities = self.class_probabilities(labels, batched=True)
        features = self.check_batch_sizes(features, labels, sample_weight)
        if probabilities.shape.rank != 2:
            raise ValueError(
                f"Invalid input shape for layer '{self.name}': expected labels of shape (batch, "
                f"classes) for whole images. Received: labels of shape {tuple(labels.shape)}"
            )
        return self._mix(
            mixing_ops.cutmix,
            features,
            labels,
            probabilities,
            sample_weight,
            data_format=self.data_format,
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


Mixup = keras.saving.register_keras_serializable(package="keras_noise")(
    deprecated_alias(MixUp, "Mixup")
)
