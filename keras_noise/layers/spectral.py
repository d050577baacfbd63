"""SpecAugment masks for spectrograms: TimeMask (bands of frames) and FrequencyMask (of bins).

Layouts: one spectrogram `(time, frequency)` or `(time, frequency, channels)` (the layout of
TensorFlow's audio tutorial), or a batch of them with a leading batch axis. A rank-3 input is
either one example with channels or a batch without: say which with ``batched=`` (see
`keras_noise.layers._layout`). Masks are drawn per example, vectorized over the batch; a band
masks every channel of its frames or bins. `layer.strength` is `probability`: the probability
that each of the `num_bands` bands is applied (1.0, the default, is SpecAugment).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from keras_noise._deprecation import renamed_arguments
from keras_noise._validation import check_float, check_int
from keras_noise.layers._dtypes import ChecksScalarFill, KeepsInputDtype
from keras_noise.layers._layout import ExampleOrBatch, check_batched
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import sequence as sequence_ops
from keras_noise.ops import spectral as spectral_ops


class _BandMask(ExampleOrBatch, ChecksScalarFill, KeepsInputDtype, PipelineNoiseLayer):
    """Masks `num_bands` random bands along one axis of a spectrogram; subclasses pick the axis."""

    strength_name = "probability"
    strength_bounds = {"low": 0.0, "high": 1.0}
    axis_in_example: int = 0  # 0: time, 1: frequency (in the per-example `(time, frequency)`)
    example_layouts = {2: "(time, frequency)", 3: "(time, frequency, channels)"}

    @renamed_arguments(rate="probability", num_masks="num_bands")
    def __init__(
        self,
        probability: float = 1.0,
        *,
        max_width: int,
        num_bands: int = 1,
        max_fraction: float = 1.0,
        fill_value: float = 0.0,
        batched: bool | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(probability, seed=seed, **kwargs)
        self.batched = check_batched(batched)
        self.max_width = check_int("max_width", max_width, low=0)
        self.num_bands = check_int("num_bands", num_bands, low=1)
        self.max_fraction = check_float("max_fraction", max_fraction, low=0.0, high=1.0)
        self.fill_value = check_float("fill_value", fill_value)

    def apply_noise(self, inputs):
        return self._on_batch(inputs, self._mask_bands)

    def _mask_bands(self, x):
        axis = 1 + self.axis_in_example
        shape = tf.shape(x)
        mask = spectral_ops.band_mask(
            shape[0],
            shape[axis],
            self.seed_generator.next(),
            max_width=self.max_width,
            num_bands=self.num_bands,
            max_fraction=self.max_fraction,
            probability=self.read_strength(self.strength, tf.float32),
        )
        return sequence_ops.mask_along_axis(x, mask, axis, fill_value=self.fill_value)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_width": self.max_width,
            "num_bands": self.num_bands,
            "max_fraction": self.max_fraction,
            "fill_value": self.fill_value,
        }


@keras.saving.register_keras_serializable(package="keras_noise")
class TimeMask(_BandMask):
    """Masks random bands of consecutive time frames of spectrograms (SpecAugment time masking).

    Each of `num_bands` bands has a width drawn uniformly from `{0, ..., w}` frames, with
    `w = min(max_width, floor(max_fraction * frames))`, and a start drawn uniformly where it
    fits; bands are drawn independently per example and may overlap.

    `layer.strength` is `probability`: the probability that each band is applied.

    Args:
        probability: the probability that each band is applied, in [0, 1].
        max_width: the largest band width in frames (SpecAugment's `T`), an int >= 0
            (required).
        num_bands: bands per example (SpecAugment's `m_T`), >= 1.
        max_fraction: the largest band width as a fraction of the number of frames
            (SpecAugment's `p`), in [0, 1].
        fill_value: the value written into the bands (0.0: the mean of a normalized
            spectrogram).
        batched: None to read the layout from the rank (rank 2: one spectrogram, rank 4: a
            batch with channels; rank 3 is then an error), True for a batch
            `(batch, time, frequency[, channels])`, False for one example
            `(time, frequency[, channels])`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: one spectrogram `(time, frequency)` or `(time, frequency, channels)`, or a
            batch of them (see `batched`), or a `tf.data` element holding them.
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The masked spectrograms, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.TimeMask(max_width=10, num_bands=2, seed=0)
        >>> y = np.asarray(layer(np.ones((4, 100, 40, 1), "float32")))[..., 0]  # a batch
        >>> masked = (y == 0).all(axis=2)  # whole frames are masked
        >>> bool(np.all((y == 0).any(axis=2) == masked)), int(masked.sum(axis=1).max()) <= 20
        (True, True)

    References:
        Park et al., "SpecAugment: A Simple Data Augmentation Method for Automatic Speech
        Recognition", Interspeech 2019.
    """

    axis_in_example = 0


@keras.saving.register_keras_serializable(package="keras_noise")
class FrequencyMask(_BandMask):
    """Masks random bands of consecutive frequency bins (SpecAugment frequency masking).

    Each of `num_bands` bands has a width drawn uniformly from `{0, ..., w}` bins, with
    `w = min(max_width, floor(max_fraction * bins))`, and a start drawn uniformly where it fits;
    bands are drawn independently per example and may overlap.

    `layer.strength` is `probability`: the probability that each band is applied.

    Args:
        probability: the probability that each band is applied, in [0, 1].
        max_width: the largest band width in frequency bins (SpecAugment's `F`), an int >= 0
            (required).
        num_bands: bands per example (SpecAugment's `m_F`), >= 1.
        max_fraction: the largest band width as a fraction of the number of bins, in [0, 1].
        fill_value: as in `TimeMask`.
        batched: as in `TimeMask`.
        seed: as in `TimeMask`.
        **kwargs: as in `TimeMask`.

    Call arguments and return value: as in `TimeMask`.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.FrequencyMask(max_width=8, seed=0)
        >>> y = np.asarray(layer(np.ones((100, 40), "float32")))  # one spectrogram
        >>> masked = (y == 0).all(axis=0)  # whole bins are masked
        >>> bool(np.all((y == 0).any(axis=0) == masked)), int(masked.sum()) <= 8
        (True, True)

    References:
        Park et al., "SpecAugment: A Simple Data Augmentation Method for Automatic Speech
        Recognition", Interspeech 2019.
    """

    axis_in_example = 1
