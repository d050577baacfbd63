"""Waveform noise: AddNoiseSNR (white or recorded noise at an SNR) and SpeedPerturb (resampling).

Layouts: one float waveform `(time,)` or `(time, channels)`, or a batch of them with a leading
batch axis. A rank-2 input is either one multi-channel example or a batch of mono waveforms: say
which with ``batched=`` (see `keras_noise.layers._layout`). Every example gets its own SNR or
speed factor, drawn in one vectorized op, shared by its channels. In both layers `layer.strength` is
`probability`: the probability that an example is perturbed.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_noise._deprecation import renamed_arguments
from keras_noise._validation import check_float, check_range, invalid_value
from keras_noise.layers._dtypes import check_float_input
from keras_noise.layers._layout import ExampleOrBatch, check_batched
from keras_noise.layers.pipeline import PipelineNoiseLayer
from keras_noise.ops import audio as audio_ops
from keras_noise.ops import random


class _WaveformLayer(ExampleOrBatch, PipelineNoiseLayer):
    """Shared input handling: the layout (`ExampleOrBatch`) and the float check in `apply_noise`."""

    strength_name = "probability"
    strength_bounds = {"low": 0.0, "high": 1.0}
    example_layouts = {1: "(time,)", 2: "(time, channels)"}

    def __init__(self, probability: float, *, batched: bool | None = None, seed=None, **kwargs):
        super().__init__(probability, seed=seed, **kwargs)
        self.batched = check_batched(batched)

    def apply_noise(self, inputs):
        check_float_input(self.name, inputs)
        return self._on_batch(inputs, self.perturb)

    def perturb(self, batch):
        """Returns the perturbed batch; subclasses implement it."""
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="keras_noise")
class AddNoiseSNR(_WaveformLayer):
    """Adds white or recorded noise at a signal-to-noise ratio drawn per example, in decibels.

    For each example, an SNR is drawn uniformly from `snr_db`; the signal power `mean(x**2)` is
    computed over the example in float32, and the noise is scaled so that its realized power is
    `power / 10**(snr / 10)` exactly. A silent example (power 0) is returned unchanged (finite),
    and so is an example whose noise segment is silent.

    The noise is white Gaussian, or drawn from `noise_bank`, an array of noise clips (e.g.
    recorded background noise), per example and vectorized: a clip chosen uniformly, and a
    segment of the waveform's length at a random start in it. Shape rules for the bank:

    * `(num_clips, clip_length)`: for waveforms `(time,)`, `(batch, time)` and
      `(batch, time, channels)` (the same noise on every channel);
    * `(num_clips, clip_length, channels)`: for `(batch, time, channels)` waveforms with the
      same number of channels (checked at build);
    * a clip at least `time` samples long gives a segment inside it; a shorter clip is looped.

    The bank is stored in the layer (a non-trainable float32 weight) and in its config (as a
    list, like the statistics of `keras.layers.Normalization`), so a `.keras` file holds it:
    keep banks to a few seconds of audio.

    `layer.strength` is `probability`: the probability that an example receives noise.

    Args:
        probability: the probability that an example receives noise, in [0, 1].
        snr_db: the SNR in dB, a float for a fixed SNR or a pair `(low, high)`, `low <= high`,
            to draw it uniformly per example; lower is noisier (required).
        noise_bank: None for white Gaussian noise, or an array of finite noise clips of shape
            `(num_clips, clip_length)` or `(num_clips, clip_length, channels)`.
        batched: None to read the layout from the rank (rank 1: one mono waveform, rank 3: a
            batch with channels; rank 2 is then an error), True for a batch
            `(batch, time[, channels])`, False for one example `(time[, channels])`.
        seed: an int >= 0 for reproducible noise, or None.
        **kwargs: base layer arguments (`name`, `dtype`, ...) and `key_map` (dict elements: which
            keys hold the features and labels, see `keras_noise.layers.PipelineNoiseLayer`).

    Call arguments:
        inputs: one float waveform `(time,)` or `(time, channels)`, or a batch of them (see
            `batched`), or a `tf.data` element holding them.
        training: see the training rule in `keras_noise.layers.base`.

    Returns:
        The noisy waveforms, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> x = np.sin(np.linspace(0, 200, 16000, dtype="float32"))[None]
        >>> y = np.asarray(kn.layers.AddNoiseSNR(snr_db=20.0, batched=True, seed=0)(x))
        >>> round(float(10 * np.log10((x**2).mean() / ((y - x)**2).mean())), 1)
        20.0
        >>> hum = np.sin(np.linspace(0, 50, 4000, dtype="float32"))[None]  # one noise clip
        >>> snr = kn.layers.AddNoiseSNR(snr_db=(5.0, 5.0), noise_bank=hum, batched=True, seed=0)
        >>> y = np.asarray(snr(x))
        >>> round(float(10 * np.log10((x**2).mean() / ((y - x)**2).mean())), 1)
        5.0

    References:
        Ko et al., "A study on data augmentation of reverberant speech for robust speech
        recognition", ICASSP 2017 (noise at sampled SNRs).
    """

    @renamed_arguments(rate="probability")
    def __init__(
        self,
        probability: float = 1.0,
        *,
        snr_db: float | Sequence[float],
        noise_bank=None,
        batched: bool | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(probability, batched=batched, seed=seed, **kwargs)
        if isinstance(snr_db, Sequence) and not isinstance(snr_db, (str, bytes)):
            self.snr_db = check_range("snr_db", snr_db)
        else:
            value = check_float("snr_db", snr_db)
            self.snr_db = (value, value)
        self._bank = None
        self.noise_bank = None
        if noise_bank is not None:
            bank = _check_noise_bank(noise_bank)
            self.noise_bank = bank
            self._bank = self.add_weight(
                name="noise_bank",
                shape=bank.shape,
                dtype="float32",
                initializer=lambda shape, dtype=None: tf.constant(bank, tf.float32),
                trainable=False,
                autocast=False,
            )

    def build(self, input_shape):
        super().build(input_shape)
        if self.noise_bank is not None and self.noise_bank.ndim == 3:
            channels = self.noise_bank.shape[2]
            example_rank = len(input_shape) - int(self._is_batch(input_shape))
            if example_rank != 2 or input_shape[-1] not in (None, channels):
                raise ValueError(
                    f"Invalid value for `noise_bank` of layer '{self.name}': a bank of shape "
                    f"{self.noise_bank.shape} (num_clips, clip_length, channels) expects "
                    f"waveforms (time, {channels}) or (batch, time, {channels}). Received: "
                    f"inputs of shape={tuple(input_shape)}"
                )

    def perturb(self, batch):
        seed_snr, seed_apply, seed_noise = random.split_seed(self.seed_generator.next(), 3)
        size = tf.shape(batch)[:1]
        snr = random.uniform(size, seed_snr, minval=self.snr_db[0], maxval=self.snr_db[1])
        probability = self.read_strength(self.strength, tf.float32)
        snr = tf.where(random.bernoulli(size, probability, seed_apply), snr, float("inf"))
        noise = None
        if self._bank is not None:
            bank = tf.convert_to_tensor(self._bank)
            noise = audio_ops.noise_from_bank(bank, size[0], tf.shape(batch)[1], seed_noise)
            if len(batch.shape) == 3 and self.noise_bank.ndim == 2:
                noise = noise[:, :, None]  # the same noise on every channel
        return audio_ops.add_noise_at_snr(batch, snr, seed_noise, noise=noise)

    def get_config(self) -> dict:
        bank = None if self.noise_bank is None else self.noise_bank.tolist()
        return {
            **super().get_config(),
            "snr_db": self.snr_db,
            "noise_bank": bank,
        }


def _check_noise_bank(value) -> np.ndarray:
    """The bank as a float32 array after checking its rank, size, dtype and finiteness."""
    expected = (
        "an array of finite numbers of shape (num_clips, clip_length) or "
        "(num_clips, clip_length, channels), each axis >= 1"
    )
    try:
        bank = np.asarray(value)
    except (TypeError, ValueError):
        raise invalid_value("noise_bank", expected, value) from None
    numeric = np.issubdtype(bank.dtype, np.floating) or np.issubdtype(bank.dtype, np.integer)
    if not numeric or bank.ndim not in (2, 3) or bank.size == 0:
        shape = getattr(bank, "shape", None)
        raise invalid_value("noise_bank", expected, f"<array of shape {shape}, {bank.dtype}>")
    bank = bank.astype("float32")
    if not np.all(np.isfinite(bank)):
        raise invalid_value("noise_bank", expected, "<an array with NaN or infinite values>")
    return bank


@keras.saving.register_keras_serializable(package="keras_noise")
class SpeedPerturb(_WaveformLayer):
    """Changes the playback speed of each waveform by a random factor (speed perturbation).

    Each example gets a factor drawn uniformly from `factor_range` and is resampled by linear
    interpolation: output sample `t` is the input at position `t * factor`. The length is kept: a
    faster example (factor > 1) ends early and is zero-padded, a slower one is cropped. As in
    Ko et al. (2015), speed and pitch change together. There is no anti-aliasing filter, so keep
    factors near 1 (the usual 0.9 to 1.1).

    `layer.strength` is `probability`: the probability that an example is resampled (the others
    keep a factor of exactly 1, which returns them unchanged).

    Args:
        probability: the probability that an example is resampled, in [0, 1].
        factor_range: `(low, high)` with `0 < low <= high`, the range of speed factors.
        batched: as in `AddNoiseSNR`.
        seed: as in `AddNoiseSNR`.
        **kwargs: as in `AddNoiseSNR`.

    Call arguments: as in `AddNoiseSNR`.

    Returns:
        The resampled waveforms, same shape, dtype and structure.

    Examples:
        >>> import numpy as np, keras_noise as kn
        >>> layer = kn.layers.SpeedPerturb(factor_range=(2.0, 2.0), seed=0)
        >>> np.asarray(layer(np.arange(6, dtype="float32"))).tolist()
        [0.0, 2.0, 4.0, 0.0, 0.0, 0.0]

    References:
        Ko et al., "Audio Augmentation for Speech Recognition", Interspeech 2015.
    """

    @renamed_arguments(rate="probability")
    def __init__(
        self,
        probability: float = 1.0,
        *,
        factor_range: Sequence[float] = (0.9, 1.1),
        batched: bool | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(probability, batched=batched, seed=seed, **kwargs)
        low, high = check_range("factor_range", factor_range)
        if low <= 0.0:
            raise invalid_value(
                "factor_range", "a pair (low, high) of floats with 0 < low <= high", factor_range
            )
        self.factor_range = (low, high)

    def perturb(self, batch):
        seed_factor, seed_apply = random.split_seed(self.seed_generator.next(), 2)
        size = tf.shape(batch)[:1]
        low, high = self.factor_range
        factors = random.uniform(size, seed_factor, minval=low, maxval=high)
        probability = self.read_strength(self.strength, tf.float32)
        factors = tf.where(random.bernoulli(size, probability, seed_apply), factors, 1.0)
        return audio_ops.resample_linear(batch, factors)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor_range": self.factor_range,
        }
